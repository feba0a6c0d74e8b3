import type { MarketDataMessage, PriceUpdate, SessionEvent } from '@ginkgo/contracts';
import { cnAShareMarket, localTs, tradingDayOf, type MarketRules } from '@ginkgo/core';

const hhmm = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/**
 * Adds the day's open, close and settlement around each trading day of a tape that has no session events
 * (a plain CSV of bars, a tape built in a test). Settlement rolls T+1 and writes the daily record, so a tape
 * without it would never make a purchase sellable. A tape with session events is returned as it is.
 */
export function withSessions(
  tape: readonly MarketDataMessage[],
  rules: MarketRules = cnAShareMarket,
): MarketDataMessage[] {
  if (tape.some((m) => m.type === 'session')) return [...tape];
  const first = rules.sessions[0];
  const last = rules.sessions[rules.sessions.length - 1];
  if (!first || !last) return [...tape];
  const out: MarketDataMessage[] = [];
  let day: string | undefined;
  const session = (phase: SessionEvent['phase'], d: string, minute: number): SessionEvent => {
    const ts = localTs(rules, d, hhmm(minute));
    return {
      type: 'session',
      eventId: `session:${rules.id}:${phase}:${d}`,
      ts,
      seq: 0,
      market: rules.id,
      phase,
      tradingDay: d,
    };
  };
  const close = (d: string) => {
    out.push(session('close', d, last.endMinute));
    out.push(session('settlement', d, last.endMinute + 30));
  };
  for (const m of tape) {
    const d = tradingDayOf(rules, m.ts);
    if (d !== day) {
      if (day !== undefined) close(day);
      day = d;
      out.push(session('open', d, first.startMinute));
    }
    out.push(m);
  }
  if (day !== undefined) close(day);
  return out.map((m, i) => ({ ...m, seq: i + 1 }));
}

export interface TicksOptions {
  code: string;
  /** Prices in minor units (fen), one event each. */
  prices: readonly number[];
  /** First trading day (local YYYY-MM-DD); later days follow on weekdays outside holidays. */
  day?: string;
  /** Events per trading day (default 240: one per minute of an A-share day). */
  perDay?: number;
  volume?: number;
  /** Previous close of the first day (defaults to the first price); later days use the last price. */
  prevClose?: number;
  market?: MarketRules;
}

/**
 * A tape for tests: the prices as ticks spread over the trading sessions, day after day, with prevClose set
 * and sessions added. Event ids are `price:<code>:<ts>` like the CSV tape's.
 */
export function ticks(o: TicksOptions): MarketDataMessage[] {
  const rules = o.market ?? cnAShareMarket;
  // Seconds of trading in a day; event j of perDay sits at an even share of them, skipping each session's first second.
  const spans = rules.sessions.map((x) => (x.endMinute - x.startMinute) * 60);
  const daySeconds = spans.reduce((a, b) => a + b, 0);
  const perDay = Math.max(1, Math.min(o.perDay ?? 240, daySeconds));
  const at = (day: string, j: number) => {
    let off = Math.floor(((j + 1) * daySeconds) / perDay);
    for (let k = 0; k < spans.length; k++) {
      if (off <= spans[k]! || k === spans.length - 1)
        return localTs(rules, day, hhmm(rules.sessions[k]!.startMinute), off);
      off -= spans[k]!;
    }
    return localTs(rules, day, hhmm(rules.sessions[0]!.startMinute), off);
  };
  const out: PriceUpdate[] = [];
  let day = o.day ?? '2026-11-24';
  let prevClose = o.prevClose ?? o.prices[0] ?? 1;
  let inDay = 0;
  let last = prevClose;
  for (const price of o.prices) {
    if (inDay === perDay) {
      day = nextTradingDay(rules, day);
      prevClose = last;
      inDay = 0;
    }
    const ts = at(day, inDay);
    out.push({
      type: 'price',
      eventId: `price:${o.code}:${ts}`,
      ts,
      seq: 0,
      market: rules.id,
      code: o.code,
      kind: 'tick',
      price,
      volume: o.volume ?? 10_000,
      prevClose,
    });
    last = price;
    inDay += 1;
  }
  return withSessions(out, rules);
}

function nextTradingDay(rules: MarketRules, day: string): string {
  let t = Date.parse(`${day}T00:00:00Z`);
  for (;;) {
    t += 86_400_000;
    const d = new Date(t);
    const iso = d.toISOString().slice(0, 10);
    if (!rules.weekendDays.includes(d.getUTCDay()) && !rules.holidays.includes(iso)) return iso;
  }
}

/** Several tapes merged in time order (stable: equal times keep the argument order). */
export function mergeTapes(...tapes: readonly (readonly MarketDataMessage[])[]): MarketDataMessage[] {
  const all = tapes.flatMap((t, k) => t.map((m, i) => ({ m, k, i })));
  all.sort((a, b) => a.m.ts - b.m.ts || a.k - b.k || a.i - b.i);
  const seen = new Set<string>();
  const out: MarketDataMessage[] = [];
  for (const { m } of all) {
    if (seen.has(m.eventId)) continue; // the same session event in two tapes
    seen.add(m.eventId);
    out.push(m);
  }
  return out.map((m, i) => ({ ...m, seq: i + 1 }));
}
