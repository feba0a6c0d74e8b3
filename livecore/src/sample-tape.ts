import type { MarketDataMessage, PriceUpdate } from '@ginkgo/contracts';
import { cnAShareMarket, limitPrices } from '@ginkgo/core';
import { fiveMinuteBars, prng, tapeBuilder, type DaySchedule } from './tape-builder.js';

export { prng };

const gauss = (rnd: () => number) => Math.sqrt(-2 * Math.log(rnd() || 1e-12)) * Math.cos(2 * Math.PI * rnd());

/** An A-share day: 09:30-11:30 and 13:00-15:00. */
const CN_DAY: DaySchedule = { morning: [9 * 60 + 30, 11 * 60 + 30], afternoon: [13 * 60, 15 * 60] };

/** 5-minute bar times of an A-share day: 09:35..11:30 and 13:05..15:00 (48 bars, lunch break excluded). */
export const barTimes = () => fiveMinuteBars(CN_DAY);

interface CodePlan {
  code: string;
  prevClose: number;
  vol: number;
  /** Day index -> scripted behaviour. */
  script?: Record<number, 'limit-down' | 'suspended' | { dividendMinor: number }>;
}

export const SAMPLE_DAYS = ['2026-11-24', '2026-11-25', '2026-11-26'];

const PLANS: CodePlan[] = [
  { code: '600000.SH', prevClose: 1000, vol: 0.0022, script: { 2: { dividendMinor: 35 } } },
  { code: '000001.SZ', prevClose: 1200, vol: 0.0025, script: { 1: 'limit-down' } },
  { code: '300750.SZ', prevClose: 18000, vol: 0.004 },
  { code: '601318.SH', prevClose: 4500, vol: 0.002, script: { 1: 'suspended' } },
];

/**
 * The bundled sample: three trading days of 5-minute bars for four A-share codes with sessions
 * (open, lunch break, resume, close, settlement), price limits respected (main board 10%, ChiNext 20%),
 * a limit-down day (000001.SZ on day 2, locked at the limit after mid-morning), a suspension
 * (601318.SH all of day 2) and a cash dividend (600000.SH, 0.35 yuan per share, ex-date day 3).
 */
export function generateSampleTape(seed = 20261124, days = SAMPLE_DAYS): MarketDataMessage[] {
  const rules = cnAShareMarket;
  const rnd = prng(seed);
  const tape = tapeBuilder(rules);
  const prev = new Map(PLANS.map((p) => [p.code, p.prevClose]));
  days.forEach((day, d) => {
    for (const p of PLANS) {
      const s = p.script?.[d];
      if (s === 'suspended')
        tape.add({
          ...tape.base('suspension', p.code, day, '09:00'),
          type: 'suspension',
          code: p.code,
          suspended: true,
        });
      if (d > 0 && p.script?.[d - 1] === 'suspended')
        tape.add({
          ...tape.base('suspension', p.code, day, '09:00'),
          type: 'suspension',
          code: p.code,
          suspended: false,
        });
      if (s && typeof s === 'object') {
        tape.add({
          ...tape.base('corporate-action', p.code, day, '09:15'),
          type: 'corporate-action',
          code: p.code,
          cashPerShareMinor: s.dividendMinor,
          splitNumerator: 1,
          splitDenominator: 1,
        });
        prev.set(p.code, (prev.get(p.code) ?? 0) - s.dividendMinor); // ex-dividend reference price
      }
    }
    const last = new Map<string, number>();
    tape.tradingDay(day, CN_DAY, (hhmm, i, times) => {
      for (const p of PLANS) {
        const s = p.script?.[d];
        if (s === 'suspended') continue;
        const prevClose = prev.get(p.code) ?? p.prevClose;
        const limits = limitPrices(rules, p.code, prevClose, day) ?? { up: Number.MAX_SAFE_INTEGER, down: 1 };
        const before = last.get(p.code) ?? prevClose;
        let price: number;
        let volume: number;
        if (s === 'limit-down') {
          // Slides from the open to the limit by the 12th bar, then stays locked there on thin volume.
          const step = Math.min(1, (i + 1) / 12);
          price = Math.max(
            limits.down,
            Math.round(prevClose - (prevClose - limits.down) * step + (step < 1 ? gauss(rnd) * prevClose * 0.001 : 0)),
          );
          volume = step < 1 ? 200_000 + Math.round(rnd() * 100_000) : 5_000 + (Math.round(rnd() * 2_000) * 100) / 100;
        } else {
          const wave = Math.sin((d * times.length + i) / 7) * p.vol * 0.8;
          price = Math.round(before * (1 + wave + gauss(rnd) * p.vol));
          volume = 20_000 + Math.round(rnd() * 80_000);
        }
        price = Math.min(limits.up, Math.max(limits.down, price));
        volume -= volume % 100;
        const hi = Math.min(limits.up, Math.max(before, price) + Math.round(rnd() * prevClose * 0.001));
        const lo = Math.max(limits.down, Math.min(before, price) - Math.round(rnd() * prevClose * 0.001));
        const bar: PriceUpdate = {
          ...tape.base('price', p.code, day, hhmm),
          type: 'price',
          code: p.code,
          kind: 'bar',
          price,
          volume: Math.max(100, volume),
          open: before,
          high: hi,
          low: lo,
          prevClose,
        };
        tape.add(bar);
        last.set(p.code, price);
      }
    });
    for (const [code, price] of last) prev.set(code, price);
  });
  // Source order is time order; bars and sessions sharing a time (11:30, 15:00) keep the bar first (stable sort).
  return tape.finish();
}
