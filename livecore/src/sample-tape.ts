import type { MarketDataMessage, PriceUpdate } from '@ginkgo/contracts';
import { cnAShareMarket, limitPrices, localTs } from '@ginkgo/core';

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

const gauss = (rnd: () => number) => Math.sqrt(-2 * Math.log(rnd() || 1e-12)) * Math.cos(2 * Math.PI * rnd());

/** 5-minute bar times of an A-share day: 09:35..11:30 and 13:05..15:00 (48 bars, lunch break excluded). */
export function barTimes(): string[] {
  const out: string[] = [];
  const add = (from: number, to: number) => {
    for (let m = from; m <= to; m += 5) out.push(`${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);
  };
  add(9 * 60 + 35, 11 * 60 + 30);
  add(13 * 60 + 5, 15 * 60);
  return out;
}

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
  const out: MarketDataMessage[] = [];
  let seq = 0;
  const base = (type: string, subject: string, ts: number) => ({ eventId: `${type}:${subject}:${ts}`, ts, seq: ++seq, market: 'cn' });
  const prev = new Map(PLANS.map((p) => [p.code, p.prevClose]));
  days.forEach((day, d) => {
    const session = (phase: 'open' | 'break' | 'resume' | 'close' | 'settlement', hhmm: string) =>
      out.push({ ...base('session', 'cn', localTs(rules, day, hhmm)), type: 'session', phase, tradingDay: day });
    for (const p of PLANS) {
      const s = p.script?.[d];
      if (s === 'suspended') out.push({ ...base('suspension', p.code, localTs(rules, day, '09:00')), type: 'suspension', code: p.code, suspended: true });
      if (d > 0 && p.script?.[d - 1] === 'suspended') out.push({ ...base('suspension', p.code, localTs(rules, day, '09:00')), type: 'suspension', code: p.code, suspended: false });
      if (s && typeof s === 'object') {
        out.push({ ...base('corporate-action', p.code, localTs(rules, day, '09:15')), type: 'corporate-action', code: p.code, cashPerShareMinor: s.dividendMinor, splitNumerator: 1, splitDenominator: 1 });
        prev.set(p.code, (prev.get(p.code) ?? 0) - s.dividendMinor); // ex-dividend reference price
      }
    }
    session('open', '09:30');
    const last = new Map<string, number>();
    const times = barTimes();
    times.forEach((hhmm, i) => {
      if (hhmm === '13:05') session('resume', '13:00');
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
          price = Math.max(limits.down, Math.round(prevClose - (prevClose - limits.down) * step + (step < 1 ? gauss(rnd) * prevClose * 0.001 : 0)));
          volume = step < 1 ? 200_000 + Math.round(rnd() * 100_000) : 5_000 + Math.round(rnd() * 2_000) * 100 / 100;
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
          ...base('price', p.code, localTs(rules, day, hhmm)),
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
        out.push(bar);
        last.set(p.code, price);
      }
      if (hhmm === '11:30') session('break', '11:30');
    });
    session('close', '15:00');
    session('settlement', '15:30');
    for (const [code, price] of last) prev.set(code, price);
  });
  // Source order is time order; bars and sessions sharing a time (11:30, 15:00) keep the bar first (stable sort).
  out.sort((a, b) => a.ts - b.ts);
  return out.map((m, i) => ({ ...m, seq: i + 1 }));
}
