import type { MarketDataMessage, PriceUpdate } from '@ginkgo/contracts';
import { hkMarket, localTs, tickAt, instrumentRules } from '@ginkgo/core';
import { prng } from './sample-tape.js';

export const HK_SAMPLE_DAYS = ['2026-11-24', '2026-11-25', '2026-11-26'];

const HK_PLANS = [
  { code: '0700.HK', prevClose: 42_000, vol: 0.003 },
  { code: '0005.HK', prevClose: 9_500, vol: 0.002 },
  { code: '0941.HK', prevClose: 8_000, vol: 0.002 },
];

/** 5-minute bar times of a Hong Kong day: 09:35..12:00 and 13:05..16:00 (lunch break excluded). */
function hkBarTimes(): string[] {
  const out: string[] = [];
  const add = (from: number, to: number) => {
    for (let m = from; m <= to; m += 5) out.push(`${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);
  };
  add(9 * 60 + 35, 12 * 60);
  add(13 * 60 + 5, 16 * 60);
  return out;
}

/**
 * The bundled Hong Kong sample: three trading days of 5-minute bars for three SEHK stocks with their own
 * board lots (reference data), sessions with the lunch break, prices on the spread table's grid and no
 * daily price limit (a 12% drop on the second day of 0941.HK, which an A-share limit would have stopped).
 */
export function generateHkSampleTape(seed = 20261124, days = HK_SAMPLE_DAYS): MarketDataMessage[] {
  const rules = hkMarket;
  const rnd = prng(seed);
  const out: MarketDataMessage[] = [];
  const base = (type: string, subject: string, ts: number) => ({ eventId: `${type}:${subject}:${ts}`, ts, seq: 0, market: 'hk' });
  const prev = new Map(HK_PLANS.map((p) => [p.code, p.prevClose]));
  days.forEach((day, d) => {
    const session = (phase: 'open' | 'break' | 'resume' | 'close' | 'settlement', hhmm: string) =>
      out.push({ ...base('session', 'hk', localTs(rules, day, hhmm)), type: 'session', phase, tradingDay: day });
    session('open', '09:30');
    const last = new Map<string, number>();
    const times = hkBarTimes();
    times.forEach((hhmm, i) => {
      if (hhmm === '13:05') session('resume', '13:00');
      for (const p of HK_PLANS) {
        const prevClose = prev.get(p.code)!;
        const before = last.get(p.code) ?? prevClose;
        const drift = p.code === '0941.HK' && d === 1 ? -0.12 / times.length : 0;
        const raw = Math.max(1, Math.round(before * (1 + drift + Math.sin((d * times.length + i) / 7) * p.vol * 0.5 + (rnd() - 0.5) * p.vol)));
        const ticks = instrumentRules(rules, p.code, day).ticks;
        const tick = tickAt(ticks, raw);
        const price = Math.max(tick, raw - (raw % tick));
        const bar: PriceUpdate = {
          ...base('price', p.code, localTs(rules, day, hhmm)),
          type: 'price',
          code: p.code,
          kind: 'bar',
          price,
          volume: 100_000 + Math.round(rnd() * 400_000),
          prevClose,
        };
        out.push(bar);
        last.set(p.code, price);
      }
      if (hhmm === '12:00') session('break', '12:00');
    });
    session('close', '16:00');
    session('settlement', '16:30');
    for (const [code, price] of last) prev.set(code, price);
  });
  out.sort((a, b) => a.ts - b.ts);
  return out.map((m, i) => ({ ...m, seq: i + 1 }));
}
