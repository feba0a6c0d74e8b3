import type { MarketRules } from './market-rules.js';

/**
 * Exchange wall-clock arithmetic from epoch milliseconds with a fixed UTC offset: no tz library and no
 * clock reads, so the same event timestamp always lands in the same session on every machine.
 */
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

export interface LocalTime {
  /** Days since 1970-01-01 in exchange local time. */
  day: number;
  /** Milliseconds since local midnight. */
  msOfDay: number;
  /** 0 = Sunday. */
  weekday: number;
  /** YYYY-MM-DD local. */
  date: string;
}

export function localTime(market: MarketRules, ts: number): LocalTime {
  const local = ts + market.utcOffsetMinutes * MINUTE_MS;
  const day = Math.floor(local / DAY_MS);
  return { day, msOfDay: local - day * DAY_MS, weekday: (((day + 4) % 7) + 7) % 7, date: dayToDate(day) };
}

/** Local YYYY-MM-DD for a day number (1970-01-01 = 0); `new Date(x)` with an argument reads no clock. */
export function dayToDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

let lastDay = Number.NaN;
let lastDate = '';

/** Local YYYY-MM-DD of an instant; the last conversion is cached because consecutive ticks share a day. */
export function tradingDayOf(market: MarketRules, ts: number): string {
  const day = Math.floor((ts + market.utcOffsetMinutes * MINUTE_MS) / DAY_MS);
  if (day !== lastDay) {
    lastDay = day;
    lastDate = dayToDate(day);
  }
  return lastDate;
}

const tradingDayCache = new WeakMap<MarketRules, Map<number, boolean>>();

/** The last answer: consecutive events nearly always ask about the same market and day. */
let lastTradingDay: { market: MarketRules | null; day: number; value: boolean } = {
  market: null,
  day: Number.NaN,
  value: false,
};

export function isTradingDay(market: MarketRules, day: number): boolean {
  const last = lastTradingDay;
  if (last.market === market && last.day === day) return last.value;
  let cache = tradingDayCache.get(market);
  if (!cache) {
    cache = new Map();
    tradingDayCache.set(market, cache);
  }
  let v = cache.get(day);
  if (v === undefined) {
    const weekday = (((day + 4) % 7) + 7) % 7;
    v = !market.weekendDays.includes(weekday) && !market.holidays.includes(dayToDate(day));
    if (cache.size > 4096) cache.clear();
    cache.set(day, v);
  }
  lastTradingDay = { market, day, value: v };
  return v;
}

/** Day number from which the market's current usual sessions apply (the last session change's). */
const currentSessionsFrom = new WeakMap<MarketRules, number>();

/** The usual sessions of a day: those of the last session change on or before it. */
function usualSessionsOn(market: MarketRules, day: number): MarketRules['sessions'] {
  const changes = market.sessionChanges;
  if (changes === undefined || changes.length <= 1) return market.sessions;
  let from = currentSessionsFrom.get(market);
  if (from === undefined) {
    from = Math.round(Date.parse(`${changes[changes.length - 1]!.from}T00:00:00Z`) / DAY_MS);
    currentSessionsFrom.set(market, from);
  }
  if (day >= from) return market.sessions;
  const date = dayToDate(day);
  let sessions = changes[0]!.sessions;
  for (const c of changes) if (c.from <= date) sessions = c.sessions;
  return sessions;
}

/** The sessions of a day: the usual ones of that day, or the day's own (half days). */
export function sessionsOn(market: MarketRules, day: number): MarketRules['sessions'] {
  const special = market.specialSessions;
  if (special === undefined) return usualSessionsOn(market, day);
  return special[dayToDate(day)] ?? usualSessionsOn(market, day);
}

/** True when `ts` falls inside one of the market's sessions on a trading day. */
export function isInSession(market: MarketRules, ts: number): boolean {
  const local = ts + market.utcOffsetMinutes * MINUTE_MS;
  const day = Math.floor(local / DAY_MS);
  if (!isTradingDay(market, day)) return false;
  const ms = local - day * DAY_MS;
  for (const s of sessionsOn(market, day)) {
    if (ms >= s.startMinute * MINUTE_MS && ms <= s.endMinute * MINUTE_MS) return true;
  }
  return false;
}

const wallBoundCache = new WeakMap<MarketRules, boolean>();
let wallBoundLast: { market: MarketRules | null; value: boolean } = { market: null, value: false };

/** Whether sessions are ordered, inside their day and do not overlap (the regular ones and every special day's). */
function sessionsDisjoint(sessions: readonly { startMinute: number; endMinute: number }[]): boolean {
  let prevEnd = 0;
  for (const s of sessions) {
    if (s.startMinute < prevEnd || s.endMinute < s.startMinute || s.endMinute > DAY_MS / MINUTE_MS) return false;
    prevEnd = s.endMinute;
  }
  return true;
}

/**
 * True when trading time between two instants can never exceed the wall time between them, i.e. the
 * market's sessions do not overlap; callers then skip counting trading time for gaps shorter than a limit.
 */
export function wallTimeBoundsTradingTime(market: MarketRules): boolean {
  if (market === wallBoundLast.market) return wallBoundLast.value;
  let v = wallBoundCache.get(market);
  if (v === undefined) {
    v =
      sessionsDisjoint(market.sessions) &&
      Object.values(market.specialSessions ?? {}).every(sessionsDisjoint) &&
      (market.sessionChanges ?? []).every((c) => sessionsDisjoint(c.sessions));
    wallBoundCache.set(market, v);
  }
  wallBoundLast = { market, value: v };
  return v;
}

/**
 * Trading milliseconds between two instants (only time inside sessions on trading days counts), so a
 * lunch break or a weekend is not mistaken for missing data. Scans at most `maxDays` days.
 */
export function tradingMsBetween(market: MarketRules, from: number, to: number, maxDays = 31): number {
  if (to <= from) return 0;
  const off = market.utcOffsetMinutes * MINUTE_MS;
  const a = from + off;
  const b = to + off;
  const firstDay = Math.floor(a / DAY_MS);
  const lastDay = Math.min(Math.floor(b / DAY_MS), firstDay + maxDays);
  let total = 0;
  for (let day = firstDay; day <= lastDay; day++) {
    if (!isTradingDay(market, day)) continue;
    const base = day * DAY_MS;
    for (const s of sessionsOn(market, day)) {
      const lo = Math.max(a, base + s.startMinute * MINUTE_MS);
      const hi = Math.min(b, base + s.endMinute * MINUTE_MS);
      if (hi > lo) total += hi - lo;
    }
  }
  return total;
}

/** Epoch ms of a local wall-clock time, e.g. shanghaiTs('2025-03-03', '10:00') in tests and tools. */
export function localTs(market: MarketRules, date: string, hhmm: string, seconds = 0): number {
  const [h, m] = hhmm.split(':').map(Number);
  const midnightUtc = Date.parse(`${date}T00:00:00.000Z`);
  return midnightUtc + ((h ?? 0) * 60 + (m ?? 0)) * MINUTE_MS + seconds * 1000 - market.utcOffsetMinutes * MINUTE_MS;
}
