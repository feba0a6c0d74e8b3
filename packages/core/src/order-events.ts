import type { OrderEvent } from '@ginkgo/contracts';
import { componentContext, drop, type EngineCore } from './engine-core.js';
import { tradingDayOf } from './market-clock.js';
import type { OrderUpdate } from './component-api.js';
import type { HandleResult } from './types.js';

/** Applies a broker event to its order (fills book cash and positions) and tells the strategy. */
export function applyOrderEvent(core: EngineCore, e: OrderEvent, out: HandleResult): boolean {
  if (e.portfolioId !== core.portfolioId) return drop(out, e.eventId, `order event for portfolio ${e.portfolioId}`);
  const r = core.orders.apply(e);
  if (!r.ok) {
    if (r.alert) core.alerts.raise(r.alert, `${e.clientOrderId}: ${r.reason}`, e.clientOrderId);
    return drop(out, e.eventId, r.reason, r.order?.code);
  }
  const o = r.order;
  const day = tradingDayOf(core.market, o.submittedTs);
  // Buys count towards the daily cap of the day the order was placed.
  if (r.fill && o.side === 'BUY') core.dailyBuys.add(day, o.code, r.fill.volume);
  if (r.late && r.fill) {
    // A trade of a day we settled already: its shares are sellable as the day's settlement made the rest, and it
    // shows in the next settlement record, not in its own day's.
    if (o.side === 'BUY' && core.state.settledDays.includes(day)) core.book.unlockSellable(o.code, r.fill.volume);
    core.alerts.raise(
      'LATE_FILL',
      `${o.clientOrderId}: ${o.side} ${r.fill.volume} @ ${r.fill.price} reported after the order ended locally (${o.status}); booked`,
      o.clientOrderId,
    );
  }
  if (e.event === 'REJECTED')
    core.alerts.raise(
      'ORDER_REJECTED',
      `${o.clientOrderId} rejected: ${e.reason ?? 'no reason given'}`,
      o.clientOrderId,
    );
  if (r.fill && o.side === 'BUY' && o.price < r.fill.price) {
    core.alerts.raise(
      'FILL_OUTSIDE_LIMIT',
      `${o.clientOrderId} bought at ${r.fill.price} above its limit ${o.price}`,
      o.clientOrderId,
    );
  }
  // The venue reports its fees on a fill; both sides compute them from the same schedule, so a difference
  // means the venue charges another commission or other exchange fees than the portfolio books.
  if (r.fill && e.fillFee !== undefined && e.fillFee !== r.fill.fee) {
    core.alerts.raise(
      'FEE_MISMATCH',
      `${o.clientOrderId}: the venue charged ${e.fillFee} on fill ${e.fillId}, the portfolio booked ${r.fill.fee}`,
      o.clientOrderId,
    );
  }
  const notify = core.components.strategy.impl.onOrderUpdate;
  if (notify) {
    const update: OrderUpdate = {
      clientOrderId: o.clientOrderId,
      code: o.code,
      side: o.side,
      status: o.status,
      filled: o.filled,
      volume: o.volume,
    };
    if (r.fill) Object.assign(update, { fillVolume: r.fill.volume, fillPrice: r.fill.price });
    notify(core.reader, update, componentContext(core, core.state.components.strategy.state));
  }
  return true;
}
