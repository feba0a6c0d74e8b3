import type { SessionEvent } from '@ginkgo/contracts';
import { advanceHighWater, componentContext, drop, type EngineCore } from './engine-core.js';
import { positionViews, equity as equityOf } from './engine-views.js';
import { guardMarket } from './input-guard.js';
import { addToList } from './keyed-entries.js';
import { tradingMsBetween, wallTimeBoundsTradingTime } from './market-clock.js';
import type { SettlementPosition, SettlementRecord } from './settlement.js';
import type { CancelIntent, HandleResult } from './types.js';

/** How many settled trading days are remembered to refuse a repeated settlement. */
const SETTLED_DAYS_KEPT = 10;

/** Session phases: the open re-opens trading, the close stops new orders, the settlement ends the day once. */
export function applySession(core: EngineCore, e: SessionEvent, out: HandleResult): boolean {
  if (!guardMarket(core, e, out)) return false;
  const { state } = core;
  advanceHighWater(state, e.ts);
  switch (e.phase) {
    case 'open':
      state.tradingDay = e.tradingDay;
      state.closedDay = null;
      break;
    case 'close':
      state.closedDay = e.tradingDay;
      break;
    case 'settlement':
      if (state.settledDays.includes(e.tradingDay))
        return drop(out, e.eventId, `trading day ${e.tradingDay} already settled`);
      out.settlement = settle(core, e);
      break;
    default:
      break;
  }
  return true;
}

/** End of day: stop strategies, expire day orders, roll T+1, record daily PnL. */
function settle(core: EngineCore, e: SessionEvent): SettlementRecord {
  const { state, book, config } = core;
  state.closedDay = e.tradingDay;
  const expiredOrders = core.orders.expireOpen(e.ts);
  book.rollSellable();
  for (const q of core.quotes.values()) q.prevClose = q.price;
  core.components.risks.forEach((r, i) =>
    r.impl.onSettlement?.(core.reader, componentContext(core, state.components.risks[i]!.state)),
  );
  const positions: SettlementPosition[] = positionViews(core).map((p) => ({
    code: p.code,
    volume: p.volume,
    sellable: p.sellable,
    avgCostMinor: p.avgCostMinor,
    closePrice: p.lastPrice,
    marketValue: p.marketValue,
    unrealizedPnl: p.unrealizedPnl,
    suspended: p.suspended,
  }));
  const equity = equityOf(core);
  state.equityCurve.push({ tradingDay: e.tradingDay, equity });
  if (state.equityCurve.length > config.equityCurvePoints)
    state.equityCurve.splice(0, state.equityCurve.length - config.equityCurvePoints);
  state.settledDays.push(e.tradingDay);
  if (state.settledDays.length > SETTLED_DAYS_KEPT) state.settledDays.shift();
  const start = state.dayStart;
  const record: SettlementRecord = {
    portfolioId: core.portfolioId,
    tradingDay: e.tradingDay,
    ts: e.ts,
    currency: core.market.currency,
    cash: book.cash,
    equity,
    previousEquity: start.equity,
    dailyPnl: equity - start.equity,
    realizedPnl: book.realizedPnl,
    unrealizedPnl: positions.reduce((a, p) => a + p.unrealizedPnl, 0),
    feesPaid: book.feesPaid,
    dailyFees: book.feesPaid - start.feesPaid,
    dailyRealizedPnl: book.realizedPnl - start.realizedPnl,
    expiredOrders,
    positions,
    equityCurve: state.equityCurve.map((p) => ({ ...p })),
  };
  state.dayStart = { equity, realizedPnl: book.realizedPnl, feesPaid: book.feesPaid };
  return record;
}

export function cancelIntent(
  core: EngineCore,
  clientOrderId: string,
  ts: number,
  force: boolean,
  reason: string,
): CancelIntent {
  return {
    portfolioId: core.portfolioId,
    clientOrderId,
    market: core.market.id,
    ts,
    force,
    reason: reason.slice(0, 500),
  };
}

/** Cancels every open order unfilled for longer than the timeout, in event time; one cancel per order. */
export function collectTimeouts(core: EngineCore, ts: number): CancelIntent[] {
  const cancels: CancelIntent[] = [];
  for (const o of core.orders.open()) {
    if (o.status === 'CANCEL_PENDING' || ts - o.submittedTs < core.config.orderTimeoutMs) continue;
    const r = core.orders.requestCancel(o.clientOrderId, ts, false);
    if (!r.ok) continue;
    const reason = `timeout: unfilled ${ts - o.submittedTs} ms after submission (${o.filled}/${o.volume} filled)`;
    core.alerts.raise('ORDER_TIMEOUT', `${o.clientOrderId} ${reason}; cancel sent`, o.clientOrderId);
    cancels.push(cancelIntent(core, o.clientOrderId, ts, false, reason));
  }
  return cancels;
}

/**
 * Flags interested codes without data for longer than the gap, counted in trading time (nights and
 * weekends do not count); checked at most once per second of event time.
 */
export function checkFreshness(core: EngineCore, ts: number): void {
  const { state } = core;
  if (state.lastFreshnessCheck !== null && ts - state.lastFreshnessCheck < 1000) return;
  state.lastFreshnessCheck = ts;
  if (state.firstTs === null) return;
  const limit = core.config.dataGapMs;
  // A wall-clock gap within the limit cannot hold more trading time than that: no need to count it.
  const wallBounds = limit >= 0 && wallTimeBoundsTradingTime(core.market);
  // Every interested code had data at or after the floor, so while the floor is that close none can be stale.
  if (wallBounds && core.freshness.floor !== null && ts - core.freshness.floor <= limit) return;
  let floor = Infinity;
  for (const code of core.interested) {
    const last = core.quotes.get(code)?.ts ?? state.firstTs;
    if (last < floor) floor = last;
    if (state.staleCodes.includes(code) || state.suspendedCodes.includes(code)) continue;
    if (wallBounds && ts - last <= limit) continue;
    const gap = tradingMsBetween(core.market, last, ts);
    if (gap > limit) {
      addToList(state.staleCodes, code);
      core.alerts.raise(
        'MISSING_DATA',
        `${code}: no data for ${Math.round(gap / 1000)} s of trading time; strategy skipped for it`,
        code,
      );
    }
  }
  // A code's data time only moves forward, so this stays a floor until the interest set changes.
  core.freshness.floor = floor === Infinity ? null : floor;
}
