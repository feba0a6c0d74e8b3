import type { MarketDataMessage, SessionEvent } from '@ginkgo/contracts';
import { localTs, type MarketRules } from '@ginkgo/core';

/** Deterministic PRNG (mulberry32): the same seed gives the same tape on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A trading day of continuous sessions, in minutes of the local day: morning and afternoon, a lunch break between. */
export interface DaySchedule {
  morning: [number, number];
  afternoon: [number, number];
}

const clock = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

/** Bar times ("HH:MM") every 5 minutes of both sessions; a bar is stamped at its end (09:35 is 09:30-09:35). */
export function fiveMinuteBars({ morning, afternoon }: DaySchedule): string[] {
  const out: string[] = [];
  for (const [start, end] of [morning, afternoon]) for (let m = start + 5; m <= end; m += 5) out.push(clock(m));
  return out;
}

/**
 * Collects the events of a generated sample tape of one market. Event ids name type, subject and time, so a
 * regenerated tape has the same ids; `finish()` orders the events by time (stable: at equal times the order they
 * were added in) and numbers them 1.. in that order.
 */
export function tapeBuilder(rules: MarketRules) {
  const events: MarketDataMessage[] = [];
  const base = (type: string, subject: string, day: string, hhmm: string) => {
    const ts = localTs(rules, day, hhmm);
    return { eventId: `${type}:${subject}:${ts}`, ts, seq: 0, market: rules.id };
  };
  const session = (day: string, phase: SessionEvent['phase'], hhmm: string) =>
    void events.push({ ...base('session', rules.id, day, hhmm), type: 'session', phase, tradingDay: day });
  return {
    base,
    add: (event: MarketDataMessage) => void events.push(event),
    /**
     * One day's session events around its 5-minute bars: open, break after the last morning bar, resume before
     * the first afternoon bar, close, and settlement half an hour after the close. `bars` adds the bars of a time.
     */
    tradingDay(day: string, schedule: DaySchedule, bars: (hhmm: string, i: number, times: string[]) => void) {
      const { morning, afternoon } = schedule;
      const times = fiveMinuteBars(schedule);
      session(day, 'open', clock(morning[0]));
      times.forEach((hhmm, i) => {
        if (hhmm === clock(afternoon[0] + 5)) session(day, 'resume', clock(afternoon[0]));
        bars(hhmm, i, times);
        if (hhmm === clock(morning[1])) session(day, 'break', clock(morning[1]));
      });
      session(day, 'close', clock(afternoon[1]));
      session(day, 'settlement', clock(afternoon[1] + 30));
    },
    finish: (): MarketDataMessage[] => {
      events.sort((a, b) => a.ts - b.ts);
      return events.map((m, i) => ({ ...m, seq: i + 1 }));
    },
  };
}
