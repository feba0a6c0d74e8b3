import type { PriceUpdate } from '@ginkgo/contracts';
import { componentContext, type EngineCore, type HandleContext } from './engine-core.js';
import { tradingDayOf } from './market-clock.js';
import { checkTradable, instrumentRules, type RuleViolation } from './market-rules.js';
import { cutVolume, finalCheck, largestAffordableBuy, sizeBuy, sizeSell, type Sized } from './order-gate.js';
import { orderPrice } from './order-price.js';
import { applyRiskOverride, resolveConflicts, signalAge, type SignalDrop } from './signal-pipeline.js';
import type { HandleResult, OrderIntent, Signal, SignalDraft } from './types.js';

/**
 * From an accepted price to order intents: active risk and the strategy make signals, risk overrides the
 * strategy, conflicts are resolved, stale and rate-limited signals dropped, and each survivor becomes an
 * order through sizing, passive risk, the exchange's lot/T+1 rules and the cash check.
 */
export function runPipeline(core: EngineCore, e: PriceUpdate, ctx: HandleContext, out: HandleResult): void {
  const { components, state, config } = core;
  const now = ctx.now;
  // Active risk first; every risk manager sees every price (state such as "last price" stays current).
  // The list is made only when a risk manager signals (most ticks make no signal at all).
  let riskSignals: Signal[] | undefined;
  const risks = components.risks;
  for (let i = 0; i < risks.length; i++) {
    const r = risks[i]!;
    if (!r.impl.onPrice) continue;
    for (const d of r.impl.onPrice(core.reader, e, componentContext(core, state.components.risks[i]!.state)))
      (riskSignals ??= []).push(signalOf(core, d, e, 'risk', r.name, now));
  }
  // The strategy always runs so that its indicators keep up, even when risk overrides its signals.
  const strat = components.strategy;
  const drafts = strat.impl.onPrice(core.reader, e, componentContext(core, state.components.strategy.state));
  // The usual tick: no signal at all, so nothing more to make.
  if (riskSignals === undefined && drafts.length === 0) return;
  riskSignals ??= [];
  const strategySignals = drafts.map((d) => signalOf(core, d, e, 'strategy', strat.name, now));
  out.signals.push(...riskSignals, ...strategySignals);

  const dropSignal = (d: SignalDrop) =>
    out.dropped.push({
      eventId: d.signal.eventId,
      reason: `${d.signal.direction} ${d.signal.code} (${d.signal.source}): ${d.reason}`,
      code: d.signal.code,
    });
  const overridden = applyRiskOverride(riskSignals, strategySignals);
  overridden.dropped.forEach(dropSignal);
  const resolved = resolveConflicts(overridden.kept);
  resolved.dropped.forEach(dropSignal);

  const reference = ctx.now ?? state.highWater ?? e.ts;
  for (const s of resolved.kept) {
    if (state.staleCodes.includes(s.code)) {
      dropSignal({ signal: s, reason: `missing data for ${s.code}: strategy skipped` });
      continue;
    }
    const age = signalAge(s, reference);
    if (age > config.staleSignalMs) {
      dropSignal({ signal: s, reason: `stale signal: data is ${age} ms old (limit ${config.staleSignalMs} ms)` });
      continue;
    }
    // Risk-origin signals (stop loss, ...) are never rate limited.
    if (s.origin === 'strategy' && !core.rateLimiter.allow(s.code, s.ts)) {
      dropSignal({
        signal: s,
        reason: `rate limited: less than ${config.minSignalIntervalMs} ms since the last signal on ${s.code}`,
      });
      continue;
    }
    const result = signalToOrder(core, s);
    if (typeof result === 'string') dropSignal({ signal: s, reason: result });
    else out.orders.push(result);
  }
}

function signalOf(
  core: EngineCore,
  d: SignalDraft,
  e: PriceUpdate,
  origin: Signal['origin'],
  source: string,
  now: number | undefined,
): Signal {
  const s: Signal = {
    portfolioId: core.portfolioId,
    code: d.code,
    direction: d.direction,
    reason: d.reason,
    ts: e.ts,
    eventId: e.eventId,
    origin,
    source,
  };
  if (d.volume !== undefined) s.volume = d.volume;
  if (d.orderType !== undefined) s.orderType = d.orderType;
  if (d.limitPrice !== undefined) s.limitPrice = d.limitPrice;
  if (now !== undefined) s.latencyMs = now - e.ts;
  return s;
}

/** An order the exchange would reject: refused here with the rule's name, nothing frozen. */
function refuse(core: EngineCore, s: Signal, v: RuleViolation): string {
  core.alerts.raise('ORDER_REFUSED', `${s.direction} ${s.code} refused by market rule ${v.rule}: ${v.message}`, s.code);
  return `refused by market rule ${v.rule}: ${v.message}`;
}

/** Shares of a code bought today: filled plus what open buy orders still ask for. */
function boughtToday(core: EngineCore, code: string, day: string): number {
  let n = core.dailyBuys.filled(day, code);
  for (const o of core.orders.open()) if (o.code === code && o.side === 'BUY') n += o.volume - o.filled;
  return n;
}

/** Sizing, passive risk, the exchange's rules of the day and the cash check; the order intent or why there is none. */
function signalToOrder(core: EngineCore, s: Signal): OrderIntent | string {
  const { book, orders, market, state, components } = core;
  if (state.suspendedCodes.includes(s.code)) return `${s.code} is suspended`;
  const quote = core.quotes.get(s.code);
  if (quote === undefined) return `no price for ${s.code}`;
  const side = s.direction === 'LONG' ? 'BUY' : 'SELL';
  const day = tradingDayOf(market, s.ts);
  const priced = orderPrice(market, s, side, quote.price, quote.prevClose, day);
  if (typeof priced === 'string') return priced;
  if ('refusal' in priced) return refuse(core, s, priced.refusal);
  const { price, orderType } = priced;
  const rules = instrumentRules(market, s.code, day);
  const blocked = checkTradable(rules);
  if (blocked) return refuse(core, s, blocked);
  const bought = side === 'BUY' ? boughtToday(core, s.code, day) : 0;
  let available = 0;
  let sized: Sized;
  const notes: string[] = [];
  if (side === 'BUY') {
    if (orders.hasOpen(s.code, 'BUY')) return `a buy order for ${s.code} is already open`;
    const sizer = () =>
      components.sizer.impl.size(core.reader, s, price, componentContext(core, state.components.sizer.state));
    sized = sizeBuy(rules, s.volume, sizer, bought);
  } else {
    const pos = book.position(s.code);
    if (!pos || pos.volume === 0) return `no position in ${s.code} to close`;
    available = book.availableToSell(s.code);
    if (available === 0) {
      return pos.frozenSell > 0
        ? `a sell order for ${s.code} is already open`
        : `nothing sellable in ${s.code} (T+1: ${pos.volume} held, 0 sellable)`;
    }
    sized = sizeSell(rules, s.volume, available);
  }
  if ('refusal' in sized) return refuse(core, s, sized.refusal);
  if ('reason' in sized) return sized.reason;
  let volume = sized.volume;
  // Passive risk on the sized order: a block refuses it, a cut is rounded down to what the exchange takes.
  const risks = components.risks;
  for (let i = 0; i < risks.length; i++) {
    const r = risks[i]!;
    if (!r.impl.check) continue;
    const d = r.impl.check(
      core.reader,
      { code: s.code, side, price, volume, signal: s },
      componentContext(core, state.components.risks[i]!.state),
    );
    if (d.action === 'block') {
      core.alerts.raise('RISK', `${r.name} blocked ${side} ${volume} ${s.code}: ${d.reason}`, s.code);
      return `blocked by ${r.name}: ${d.reason}`;
    }
    if (d.action === 'cut') {
      const cut = cutVolume(rules, side, Math.min(volume, d.volume), available);
      if (cut <= 0) return `blocked by ${r.name}: ${d.reason}`;
      if (cut < volume) {
        core.alerts.raise('RISK', `${r.name} cut ${side} ${s.code} from ${volume} to ${cut}: ${d.reason}`, s.code);
        notes.push(`${r.name}: ${volume} -> ${cut}`);
        volume = cut;
      }
    }
  }
  // Cash check with fees (always on): cut to what the available cash pays for, or refuse.
  const cash = book.availableCash;
  const cost = (v: number) => orders.cashToFreeze(side, price, v, s.ts);
  if (cost(volume) > cash) {
    if (side === 'SELL') return `insufficient cash for the fees of selling ${volume} ${s.code}`;
    const v = largestAffordableBuy(rules, price, cash, cost);
    if (v <= 0) return `insufficient cash: ${cost(volume)} needed for ${volume} ${s.code}, ${cash} available`;
    core.alerts.raise('RISK', `cash check cut BUY ${s.code} from ${volume} to ${v} (fees included)`, s.code);
    notes.push(`cash: ${volume} -> ${v}`);
    volume = v;
  }
  const prevClose = quote.prevClose;
  const last = finalCheck(
    rules,
    { side, price, volume },
    { ...(prevClose !== undefined ? { prevClose } : {}), sellableBalance: available, boughtToday: bought },
  );
  if (last) return refuse(core, s, last);
  state.orderSeq += 1;
  const clientOrderId = `${core.portfolioId}-${state.orderSeq}`;
  const reason = (notes.length ? `${s.reason} [${notes.join('; ')}]` : s.reason).slice(0, 500);
  orders.submit({ clientOrderId, code: s.code, side, orderType, price, volume, submittedTs: s.ts, reason });
  return {
    portfolioId: core.portfolioId,
    clientOrderId,
    market: market.id,
    code: s.code,
    side,
    orderType,
    price,
    volume,
    ts: s.ts,
    reason,
    // The venue charges the commission the engine books (exchange fees come from the same dated market data).
    commission: orders.commissionSchedule,
  };
}
