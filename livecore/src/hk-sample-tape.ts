import type { MarketDataMessage, PriceUpdate } from '@ginkgo/contracts';
import { hkMarket, tickAt, instrumentRules } from '@ginkgo/core';
import { prng, tapeBuilder, type DaySchedule } from './tape-builder.js';

export const HK_SAMPLE_DAYS = ['2026-11-24', '2026-11-25', '2026-11-26'];

const HK_PLANS = [
  { code: '0700.HK', prevClose: 42_000, vol: 0.003 },
  { code: '0005.HK', prevClose: 9_500, vol: 0.002 },
  { code: '0941.HK', prevClose: 8_000, vol: 0.002 },
];

/** A Hong Kong day: 09:30-12:00 and 13:00-16:00. */
const HK_DAY: DaySchedule = { morning: [9 * 60 + 30, 12 * 60], afternoon: [13 * 60, 16 * 60] };

/**
 * The bundled Hong Kong sample: three trading days of 5-minute bars for three SEHK stocks with their own
 * board lots (reference data), sessions with the lunch break, prices on the spread table's grid and no
 * daily price limit (a 12% drop on the second day of 0941.HK, which an A-share limit would have stopped).
 */
export function generateHkSampleTape(seed = 20261124, days = HK_SAMPLE_DAYS): MarketDataMessage[] {
  const rules = hkMarket;
  const rnd = prng(seed);
  const tape = tapeBuilder(rules);
  const prev = new Map(HK_PLANS.map((p) => [p.code, p.prevClose]));
  days.forEach((day, d) => {
    const last = new Map<string, number>();
    tape.tradingDay(day, HK_DAY, (hhmm, i, times) => {
      for (const p of HK_PLANS) {
        const prevClose = prev.get(p.code)!;
        const before = last.get(p.code) ?? prevClose;
        const drift = p.code === '0941.HK' && d === 1 ? -0.12 / times.length : 0;
        const raw = Math.max(
          1,
          Math.round(before * (1 + drift + Math.sin((d * times.length + i) / 7) * p.vol * 0.5 + (rnd() - 0.5) * p.vol)),
        );
        const ticks = instrumentRules(rules, p.code, day).ticks;
        const tick = tickAt(ticks, raw);
        const price = Math.max(tick, raw - (raw % tick));
        const bar: PriceUpdate = {
          ...tape.base('price', p.code, day, hhmm),
          type: 'price',
          code: p.code,
          kind: 'bar',
          price,
          volume: 100_000 + Math.round(rnd() * 400_000),
          prevClose,
        };
        tape.add(bar);
        last.set(p.code, price);
      }
    });
    for (const [code, price] of last) prev.set(code, price);
  });
  return tape.finish();
}
