import type { JsonObject } from '@ginkgo/core';

/**
 * Incremental indicators, O(1) per update (rolling min/max: amortised O(1)), whose whole state is a plain
 * JSON object: keep it in `ctx.state` and it survives snapshots, restarts and moves to another node.
 *
 * Exactness: inputs are integers (prices in minor units, volumes in shares) and are refused otherwise.
 * Window sums (SMA, Bollinger, VWAP) are kept as exact integers (BigInt, stored as decimal strings, where
 * they could pass 2^53), so a value after a million updates equals the value recomputed from the window;
 * the one division (and square root) happens when the value is read. EMA, RSI and ATR are recursive by
 * definition and use floats: each step multiplies the previous error by (1 - alpha) < 1, so rounding
 * errors are damped instead of accumulating (bounded by a few ulps / alpha), which the property tests check
 * against recomputation from the whole history.
 */

function int(x: number, what: string): number {
  if (!Number.isSafeInteger(x)) throw new RangeError(`${what} must be an integer (minor units / shares), got ${x}`);
  return x;
}

function period(n: number): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`period must be a positive integer, got ${n}`);
  return n;
}

/** Gets `store[key]` as the state of an indicator, creating it with `init` when absent. */
function slot<S extends JsonObject>(store: JsonObject, key: string, init: () => S): S {
  const cur = store[key];
  if (cur !== undefined && cur !== null && typeof cur === 'object' && !Array.isArray(cur)) return cur as S;
  const s = init();
  store[key] = s;
  return s;
}

interface RingState extends JsonObject {
  p: number;
  /** The last p inputs (ring buffer); `i` is where the next one goes. */
  buf: number[];
  i: number;
  n: number;
}

/** Ring buffer of the last `p` values: push returns the value that left the window (if any). */
function ringPush(s: RingState, x: number): number | undefined {
  const out = s.n >= s.p ? s.buf[s.i] : undefined;
  s.buf[s.i] = x;
  s.i = (s.i + 1) % s.p;
  if (s.n < s.p) s.n += 1;
  return out;
}

interface SmaState extends RingState {
  sum: number;
}

/** Simple moving average of the last `period` values; exact integer sum, divided on read. */
export class Sma {
  constructor(readonly state: SmaState) {}
  static create(p: number): Sma {
    return new Sma({ p: period(p), buf: [], i: 0, n: 0, sum: 0 });
  }
  /** Uses (or creates) `store[key]`, typically `ctx.state`. */
  static in(store: JsonObject, key: string, p: number): Sma {
    return new Sma(slot(store, key, () => Sma.create(p).state));
  }
  update(x: number): number | undefined {
    const s = this.state;
    const out = ringPush(s, int(x, 'SMA input'));
    s.sum += x - (out ?? 0);
    return this.value;
  }
  get ready(): boolean {
    return this.state.n >= this.state.p;
  }
  /** Sum of the window, exact. */
  get sum(): number {
    return this.state.sum;
  }
  get value(): number | undefined {
    return this.ready ? this.state.sum / this.state.p : undefined;
  }
}

interface EmaState extends JsonObject {
  p: number;
  /** Seeded with the SMA of the first p inputs (the usual convention), then alpha = 2 / (p + 1). */
  n: number;
  seed: number;
  v: number | null;
}

/** Exponential moving average (float, see the note at the top of the file). */
export class Ema {
  constructor(readonly state: EmaState) {}
  static create(p: number): Ema {
    return new Ema({ p: period(p), n: 0, seed: 0, v: null });
  }
  static in(store: JsonObject, key: string, p: number): Ema {
    return new Ema(slot(store, key, () => Ema.create(p).state));
  }
  update(x: number): number | undefined {
    const s = this.state;
    int(x, 'EMA input');
    if (s.v === null) {
      s.seed += x;
      s.n += 1;
      if (s.n === s.p) s.v = s.seed / s.p;
      return s.v ?? undefined;
    }
    s.v += (2 / (s.p + 1)) * (x - s.v);
    return s.v;
  }
  get value(): number | undefined {
    return this.state.v ?? undefined;
  }
}

interface WilderState extends JsonObject {
  p: number;
  n: number;
  seed: number;
  v: number | null;
}

/** Wilder's smoothing (alpha = 1/p) seeded with the mean of the first p inputs; shared by RSI and ATR. */
function wilder(s: WilderState, x: number): number | null {
  if (s.v === null) {
    s.seed += x;
    s.n += 1;
    if (s.n === s.p) s.v = s.seed / s.p;
    return s.v;
  }
  s.v += (x - s.v) / s.p;
  return s.v;
}

interface RsiState extends JsonObject {
  last: number | null;
  gain: WilderState;
  loss: WilderState;
}

/** Wilder's RSI in [0, 100]; ready after `period` changes (period + 1 prices). */
export class Rsi {
  constructor(readonly state: RsiState) {}
  static create(p: number): Rsi {
    const w = (): WilderState => ({ p: period(p), n: 0, seed: 0, v: null });
    return new Rsi({ last: null, gain: w(), loss: w() });
  }
  static in(store: JsonObject, key: string, p: number): Rsi {
    return new Rsi(slot(store, key, () => Rsi.create(p).state));
  }
  update(price: number): number | undefined {
    const s = this.state;
    int(price, 'RSI input');
    if (s.last !== null) {
      const d = price - s.last;
      wilder(s.gain, d > 0 ? d : 0);
      wilder(s.loss, d < 0 ? -d : 0);
    }
    s.last = price;
    return this.value;
  }
  get value(): number | undefined {
    const g = this.state.gain.v;
    const l = this.state.loss.v;
    if (g === null || l === null) return undefined;
    if (l === 0) return g === 0 ? 50 : 100;
    return 100 - 100 / (1 + g / l);
  }
}

interface AtrState extends JsonObject {
  prevClose: number | null;
  tr: WilderState;
}

/** Average true range (Wilder) over bars (high, low, close); a tick is a bar with high = low = close. */
export class Atr {
  constructor(readonly state: AtrState) {}
  static create(p: number): Atr {
    return new Atr({ prevClose: null, tr: { p: period(p), n: 0, seed: 0, v: null } });
  }
  static in(store: JsonObject, key: string, p: number): Atr {
    return new Atr(slot(store, key, () => Atr.create(p).state));
  }
  /** The true range of this bar is exact (integers); only the smoothing is a float. */
  update(high: number, low: number, close: number): number | undefined {
    const s = this.state;
    int(high, 'ATR high');
    int(low, 'ATR low');
    int(close, 'ATR close');
    if (low > high) throw new RangeError(`ATR: low ${low} above high ${high}`);
    const tr =
      s.prevClose === null
        ? high - low
        : Math.max(high - low, Math.abs(high - s.prevClose), Math.abs(low - s.prevClose));
    s.prevClose = close;
    return wilder(s.tr, tr) ?? undefined;
  }
  get value(): number | undefined {
    return this.state.tr.v ?? undefined;
  }
}

interface BollingerState extends RingState {
  k: number;
  sum: string;
  sumSq: string;
}

export interface Bands {
  middle: number;
  upper: number;
  lower: number;
  /** Population standard deviation of the window. */
  stdDev: number;
}

/** Bollinger bands: SMA +- k population standard deviations; exact integer sums, one sqrt on read. */
export class Bollinger {
  constructor(readonly state: BollingerState) {}
  static create(p: number, k = 2): Bollinger {
    if (!(k > 0)) throw new RangeError(`k must be > 0, got ${k}`);
    return new Bollinger({ p: period(p), k, buf: [], i: 0, n: 0, sum: '0', sumSq: '0' });
  }
  static in(store: JsonObject, key: string, p: number, k = 2): Bollinger {
    return new Bollinger(slot(store, key, () => Bollinger.create(p, k).state));
  }
  update(x: number): Bands | undefined {
    const s = this.state;
    const out = ringPush(s, int(x, 'Bollinger input'));
    const bx = BigInt(x);
    const bo = BigInt(out ?? 0);
    s.sum = (BigInt(s.sum) + bx - bo).toString();
    s.sumSq = (BigInt(s.sumSq) + bx * bx - bo * bo).toString();
    return this.value;
  }
  get value(): Bands | undefined {
    const s = this.state;
    if (s.n < s.p) return undefined;
    const n = BigInt(s.p);
    const sum = BigInt(s.sum);
    // n^2 * variance = n * sumSq - sum^2, exact; divide and take the root once.
    const scaled = n * BigInt(s.sumSq) - sum * sum;
    const stdDev = Math.sqrt(Number(scaled)) / s.p;
    const middle = Number(sum) / s.p;
    return { middle, upper: middle + s.k * stdDev, lower: middle - s.k * stdDev, stdDev };
  }
}

interface ExtremeState extends JsonObject {
  p: number;
  /** Inputs seen so far (index of the next one). */
  n: number;
  /** Monotonic deque as flat [index, value, index, value, ...] from `h` on. */
  q: number[];
  h: number;
  max: boolean;
}

/** Rolling minimum or maximum of the last `period` values (monotonic deque, amortised O(1)). */
export class RollingExtreme {
  constructor(readonly state: ExtremeState) {}
  static create(p: number, kind: 'min' | 'max'): RollingExtreme {
    return new RollingExtreme({ p: period(p), n: 0, q: [], h: 0, max: kind === 'max' });
  }
  static in(store: JsonObject, key: string, p: number, kind: 'min' | 'max'): RollingExtreme {
    return new RollingExtreme(slot(store, key, () => RollingExtreme.create(p, kind).state));
  }
  update(x: number): number {
    const s = this.state;
    int(x, 'rolling min/max input');
    const q = s.q;
    const worse = (v: number) => (s.max ? v <= x : v >= x);
    while (q.length > s.h && worse(q[q.length - 1]!)) q.length -= 2;
    q.push(s.n, x);
    s.n += 1;
    while (q[s.h]! <= s.n - 1 - s.p) s.h += 2;
    // Compact now and then so the array does not grow: amortised O(1).
    if (s.h > 64 && s.h * 2 > q.length) {
      s.q = q.slice(s.h);
      s.h = 0;
    }
    return s.q[s.h + 1]!;
  }
  get ready(): boolean {
    return this.state.n >= this.state.p;
  }
  get value(): number | undefined {
    const s = this.state;
    return s.q.length > s.h ? s.q[s.h + 1] : undefined;
  }
}

interface VwapState extends JsonObject {
  /** The anchor (e.g. the trading day); a new anchor starts a new average. */
  anchor: string | null;
  pv: string;
  v: number;
}

/** Volume-weighted average price since the anchor changed; exact integer sums, one division on read. */
export class Vwap {
  constructor(readonly state: VwapState) {}
  static create(): Vwap {
    return new Vwap({ anchor: null, pv: '0', v: 0 });
  }
  static in(store: JsonObject, key: string): Vwap {
    return new Vwap(slot(store, key, () => Vwap.create().state));
  }
  /** `anchor`: pass the trading day (view.tradingDay()) for the usual daily VWAP. */
  update(price: number, volume: number, anchor?: string): number | undefined {
    const s = this.state;
    int(price, 'VWAP price');
    int(volume, 'VWAP volume');
    if (volume < 0) throw new RangeError(`VWAP volume must be >= 0, got ${volume}`);
    if (anchor !== undefined && anchor !== s.anchor) {
      s.anchor = anchor;
      s.pv = '0';
      s.v = 0;
    }
    s.pv = (BigInt(s.pv) + BigInt(price) * BigInt(volume)).toString();
    s.v += volume;
    return this.value;
  }
  get value(): number | undefined {
    const s = this.state;
    return s.v > 0 ? Number(BigInt(s.pv)) / s.v : undefined;
  }
}
