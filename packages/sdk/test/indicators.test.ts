import fc from 'fast-check';
import { Atr, Bollinger, Ema, RollingExtreme, Rsi, Sma, Vwap } from '../src/index.js';

const prices = fc.array(fc.integer({ min: 1, max: 5_000_000 }), { minLength: 1, maxLength: 400 });
const per = fc.integer({ min: 1, max: 30 });
const close = (a: number | undefined, b: number | undefined, rel = 1e-9) =>
  a === undefined || b === undefined ? a === b : Math.abs(a - b) <= rel * Math.max(1, Math.abs(b));

// Naive recomputation from the whole history at every step: what the incremental values must equal.
const naiveSma = (xs: number[], p: number) => (xs.length < p ? undefined : xs.slice(-p).reduce((a, b) => a + b, 0) / p);
function naiveEma(xs: number[], p: number): number | undefined {
  if (xs.length < p) return undefined;
  // Closed form: seed * (1-a)^(n-p) + sum a (1-a)^(n-1-i) x_i, summed from scratch.
  const a = 2 / (p + 1);
  let v = xs.slice(0, p).reduce((s, x) => s + x, 0) / p;
  for (let i = p; i < xs.length; i++) v = a * xs[i]! + (1 - a) * v;
  return v;
}
function naiveWilder(xs: number[], p: number): number | undefined {
  if (xs.length < p) return undefined;
  let v = xs.slice(0, p).reduce((s, x) => s + x, 0) / p;
  for (let i = p; i < xs.length; i++) v = (v * (p - 1) + xs[i]!) / p;
  return v;
}

test('SMA equals the mean of the window recomputed at every step (exact integer sum)', () => {
  fc.assert(
    fc.property(prices, per, (xs, p) => {
      const sma = Sma.create(p);
      xs.forEach((x, i) => {
        const got = sma.update(x);
        const want = naiveSma(xs.slice(0, i + 1), p);
        expect(got).toBe(want);
      });
    }),
  );
});

test('SMA stays exact over a million updates (no drift)', () => {
  const sma = Sma.create(50);
  let x = 1_000_000;
  const window: number[] = [];
  for (let i = 0; i < 1_000_000; i++) {
    x = 1 + (((x * 48_271) % 2_147_483_647) % 10_000_000);
    sma.update(x);
    window.push(x);
    if (window.length > 50) window.shift();
  }
  expect(sma.sum).toBe(window.reduce((a, b) => a + b, 0));
});

test('EMA, RSI and ATR match recomputation from the whole history', () => {
  fc.assert(
    fc.property(prices, per, (xs, p) => {
      const ema = Ema.create(p);
      const rsi = Rsi.create(p);
      const atr = Atr.create(p);
      xs.forEach((x, i) => {
        const hist = xs.slice(0, i + 1);
        expect(close(ema.update(x), naiveEma(hist, p))).toBe(true);
        rsi.update(x);
        const diffs = hist.slice(1).map((v, k) => v - hist[k]!);
        const g = naiveWilder(
          diffs.map((d) => Math.max(d, 0)),
          p,
        );
        const l = naiveWilder(
          diffs.map((d) => Math.max(-d, 0)),
          p,
        );
        const want =
          g === undefined || l === undefined ? undefined : l === 0 ? (g === 0 ? 50 : 100) : 100 - 100 / (1 + g / l);
        expect(close(rsi.value, want)).toBe(true);
        atr.update(x, x, x);
        const trs = hist.map((v, k) => (k === 0 ? 0 : Math.abs(v - hist[k - 1]!)));
        expect(close(atr.value, naiveWilder(trs, p))).toBe(true);
      });
    }),
  );
});

test('Bollinger bands equal mean +- k population standard deviations of the window', () => {
  fc.assert(
    fc.property(prices, per, (xs, p) => {
      const bb = Bollinger.create(p, 2);
      xs.forEach((x, i) => {
        const got = bb.update(x);
        if (i + 1 < p) return expect(got).toBeUndefined();
        const w = xs.slice(i + 1 - p, i + 1);
        const mean = w.reduce((a, b) => a + b, 0) / p;
        const sd = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / p);
        expect(close(got!.middle, mean, 1e-12)).toBe(true);
        expect(Math.abs(got!.stdDev - sd)).toBeLessThanOrEqual(1e-6 * Math.max(1, sd));
      });
    }),
  );
});

test('rolling min and max equal the window extremes; VWAP equals sum(p*v)/sum(v) per anchor', () => {
  fc.assert(
    fc.property(prices, per, (xs, p) => {
      const lo = RollingExtreme.create(p, 'min');
      const hi = RollingExtreme.create(p, 'max');
      const vwap = Vwap.create();
      xs.forEach((x, i) => {
        const w = xs.slice(Math.max(0, i + 1 - p), i + 1);
        expect(lo.update(x)).toBe(Math.min(...w));
        expect(hi.update(x)).toBe(Math.max(...w));
        const day = String(Math.floor(i / 7));
        vwap.update(x, (x % 13) + 1, day);
        const seg = xs.slice(Math.floor(i / 7) * 7, i + 1);
        const pv = seg.reduce((a, v) => a + BigInt(v) * BigInt((v % 13) + 1), 0n);
        const vol = seg.reduce((a, v) => a + (v % 13) + 1, 0);
        expect(vwap.value).toBe(Number(pv) / vol);
      });
    }),
  );
});

test('indicator state is plain JSON: a copy through JSON continues identically', () => {
  fc.assert(
    fc.property(prices, per, fc.nat(), (xs, p, cut) => {
      const k = cut % xs.length;
      const store: Record<string, never> = {};
      const make = (s: object) => ({
        sma: Sma.in(s as never, 'sma', p),
        ema: Ema.in(s as never, 'ema', p),
        max: RollingExtreme.in(s as never, 'max', p, 'max'),
        bb: Bollinger.in(s as never, 'bb', p),
      });
      let a = make(store);
      const b = make({});
      const out: string[] = [];
      const ref: string[] = [];
      xs.forEach((x, i) => {
        if (i === k) a = make(JSON.parse(JSON.stringify(store)) as object);
        out.push(JSON.stringify([a.sma.update(x), a.ema.update(x), a.max.update(x), a.bb.update(x)]));
        ref.push(JSON.stringify([b.sma.update(x), b.ema.update(x), b.max.update(x), b.bb.update(x)]));
      });
      expect(out).toEqual(ref);
    }),
  );
});

test('non-integer input is refused with the reason', () => {
  expect(() => Sma.create(3).update(10.5)).toThrow('SMA input must be an integer');
  expect(() => Sma.create(0)).toThrow('period must be a positive integer');
});
