import type { PriceUpdate } from '@ginkgo/contracts';
import { drop, type EngineCore, type HandleContext } from './engine-core.js';
import { isInSession, tradingDayOf } from './market-clock.js';
import { limitPrices, type MarketRules } from './market-rules.js';
import type { QuoteState } from './snapshot.js';
import type { HandleResult } from './types.js';

/**
 * The last answers of the session and price-limit checks. Both depend only on the event (and the base price,
 * the tape's previous close), and every portfolio on a tape asks about the same event in turn.
 */
let sessionOf: { market: MarketRules | null; ts: number; value: boolean } = { market: null, ts: NaN, value: false };
type Limits = { up: number; down: number } | null;
let limitsOf: { market: MarketRules | null; code: string; base: number; day: string; value: Limits } = {
  market: null,
  code: '',
  base: NaN,
  day: '',
  value: null,
};

function inSession(market: MarketRules, ts: number): boolean {
  const last = sessionOf;
  if (last.ts === ts && last.market === market) return last.value;
  const value = isInSession(market, ts);
  sessionOf = { market, ts, value };
  return value;
}

function limitsFrom(market: MarketRules, code: string, base: number, day: string): Limits {
  const last = limitsOf;
  if (last.base === base && last.code === code && last.day === day && last.market === market) return last.value;
  const value = limitPrices(market, code, base, day);
  limitsOf = { market, code, base, day, value };
  return value;
}

/**
 * Input validation of price updates. A dropped tick changes nothing but the clock-pause state: it is not
 * a price, it does not move event time and no strategy sees it. Returns false when the event is dropped,
 * else the code's quote so far (undefined before its first price), so the caller need not look it up again.
 */
export function guardPrice(
  core: EngineCore,
  e: PriceUpdate,
  ctx: HandleContext,
  out: HandleResult,
): QuoteState | undefined | false {
  const { state, config, alerts } = core;
  const id = e.eventId;
  if (!Number.isSafeInteger(e.price) || e.price <= 0) {
    alerts.raise('ABNORMAL_PRICE', `${e.code}: price ${e.price} <= 0`, e.code);
    return drop(out, id, `invalid price ${e.price}: must be > 0`, e.code);
  }
  if (!guardMarket(core, e, out, e.code)) return false;
  if (!core.interested.has(e.code)) return drop(out, id, `${e.code} is not in the interest set`, e.code);
  if (ctx.now !== undefined && e.ts > ctx.now + config.futureToleranceMs) {
    alerts.raise(
      'FUTURE_TIMESTAMP',
      `${e.code}: ts ${e.ts} is ${e.ts - ctx.now} ms ahead of the reference time`,
      e.code,
    );
    return drop(out, id, `future timestamp: ${e.ts - ctx.now} ms ahead of the reference time`, e.code);
  }
  const high = state.highWater;
  if (high !== null && e.ts > high + config.maxForwardJumpMs) {
    alerts.raise('FUTURE_TIMESTAMP', `${e.code}: ts ${e.ts} is ${e.ts - high} ms beyond the last event time`, e.code);
    return drop(out, id, `future timestamp: ${e.ts - high} ms beyond the last event time`, e.code);
  }
  // A clock going backwards pauses price processing until event time is back where it was.
  if (state.clockPausedUntil !== null) {
    if (e.ts < state.clockPausedUntil)
      return drop(out, id, `paused: clock went backwards, waiting for ${state.clockPausedUntil}`, e.code);
    state.clockPausedUntil = null;
    alerts.raise('CLOCK_RESUMED', `event time reached ${e.ts}; processing resumed`);
  } else if (high !== null && e.ts < high - config.clockBackwardsToleranceMs) {
    state.clockPausedUntil = high;
    alerts.raise(
      'CLOCK_BACKWARDS',
      `event time went back ${high - e.ts} ms (from ${high} to ${e.ts}); price processing paused`,
    );
    return drop(out, id, `clock went backwards by ${high - e.ts} ms`, e.code);
  }
  const q = core.quotes.get(e.code);
  if (q && e.ts < q.ts) return drop(out, id, `out of order: ${e.ts} < last ${q.ts} for ${e.code}`, e.code);
  if (config.enforceSessions && !inSession(core.market, e.ts)) return drop(out, id, 'outside trading sessions', e.code);
  if (state.suspendedCodes.includes(e.code)) return drop(out, id, `${e.code} is suspended`, e.code);
  // A price beyond the day's limits from the last known base is bad data, not a move.
  const base = e.prevClose ?? q?.prevClose ?? q?.price;
  if (base !== undefined) {
    const lim = limitsFrom(core.market, e.code, base, tradingDayOf(core.market, e.ts));
    if (lim && (e.price > lim.up || e.price < lim.down)) {
      alerts.raise(
        'ABNORMAL_PRICE',
        `${e.code}: price ${e.price} outside the limits [${lim.down}, ${lim.up}] from base ${base}`,
        e.code,
      );
      return drop(out, id, `abnormal price: ${e.price} jumps beyond the price limit [${lim.down}, ${lim.up}]`, e.code);
    }
  }
  return q;
}

/** Events for another market are dropped. */
export function guardMarket(
  core: EngineCore,
  e: { eventId: string; market: string },
  out: HandleResult,
  code?: string,
): boolean {
  const own = core.market.id;
  return e.market === own || drop(out, e.eventId, `market ${e.market} is not ${own}`, code);
}
