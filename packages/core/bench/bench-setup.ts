/**
 * What the engine bench and the profiling entry share: a deterministic tape, the portfolios (full: ma-cross +
 * two risk managers + sizer; baseline: a no-op strategy) and the loop that runs a tape through them.
 */
import { PortfolioSpec, type OrderEvent, type PriceUpdate } from '@ginkgo/contracts';
import { cnAShareMarket, createDefaultRegistry, localTs, PortfolioEngine, type EngineEvent } from '@ginkgo/core';
import { performance } from 'node:perf_hooks';

const CODES = [
  '600000.SH',
  '600036.SH',
  '601318.SH',
  '000001.SZ',
  '000333.SZ',
  '300750.SZ',
  '688981.SH',
  '600519.SH',
  '002594.SZ',
  '601012.SH',
];

/** Deterministic LCG so every run measures the same tape. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A day of ticks inside the A-share sessions (morning then afternoon), random-walk prices within the limits. */
export function makeTape(n: number, seed = 7): PriceUpdate[] {
  const r = rng(seed);
  const day = '2025-03-03';
  const morning = localTs(cnAShareMarket, day, '09:30');
  const afternoon = localTs(cnAShareMarket, day, '13:00');
  const sessionMs = 2 * 3600_000;
  const step = Math.max(1, Math.floor((2 * sessionMs) / n));
  const prices = CODES.map(() => 1000 + Math.floor(r() * 9000));
  const base = [...prices];
  const tape: PriceUpdate[] = [];
  for (let i = 0; i < n; i++) {
    const offset = i * step;
    const ts = offset < sessionMs ? morning + offset : afternoon + (offset - sessionMs);
    const c = i % CODES.length;
    const b = base[c]!;
    const next = Math.round(prices[c]! * (1 + (r() - 0.5) * 0.004));
    prices[c] = Math.min(Math.floor(b * 1.09), Math.max(Math.ceil(b * 0.91), next));
    tape.push({
      type: 'price',
      eventId: `t${i}`,
      ts,
      seq: i,
      market: 'cn',
      code: CODES[c]!,
      kind: 'tick',
      price: prices[c]!,
      volume: 100,
      prevClose: b,
    });
  }
  return tape;
}

const registry = createDefaultRegistry().registerStrategy('noop', () => []);

/** full: ma-cross + two risk managers + sizer; baseline: a no-op strategy; the others (profiling) one part of full. */
export type EngineKind = 'full' | 'baseline' | 'strategy-only' | 'risk-only';

export function engine(id: string, kind: EngineKind): PortfolioEngine {
  const spec = PortfolioSpec.parse({
    initialCash: '10000000.00',
    interestedCodes: CODES,
    strategy:
      kind === 'full' || kind === 'strategy-only'
        ? { name: 'ma-cross', params: { short: 5, long: 20 } }
        : { name: 'noop', params: {} },
    riskManagers:
      kind === 'full' || kind === 'risk-only'
        ? [
            { name: 'position-ratio', params: { maxRatio: 0.2 } },
            { name: 'loss-limit', params: { lossRatio: 0.05 } },
          ]
        : [],
    sizer: { name: 'fixed-volume', params: { volume: 1000 } },
  });
  return PortfolioEngine.create({ portfolioId: id, spec, registry, config: { minSignalIntervalMs: 5_000 } });
}

/** Runs the tape through the engines; orders are filled at once (paper exchange) and count as events. */
export function run(engines: PortfolioEngine[], tape: PriceUpdate[], timed: boolean) {
  const lat: number[] = [];
  let handled = 0;
  let orders = 0;
  let fillSeq = 0;
  const t0 = performance.now();
  for (const ev of tape) {
    const s = timed ? performance.now() : 0;
    for (const e of engines) {
      const out = e.handle(ev);
      handled += 1;
      for (const o of out.orders) {
        orders += 1;
        fillSeq += 1;
        const fill: OrderEvent = {
          type: 'order',
          event: 'FILLED',
          eventId: `f${fillSeq}`,
          ts: ev.ts,
          seq: fillSeq,
          market: 'cn',
          portfolioId: o.portfolioId,
          clientOrderId: o.clientOrderId,
          fillId: `f${fillSeq}`,
          fillVolume: o.volume,
          fillPrice: o.price,
        };
        e.handle(fill as EngineEvent);
        handled += 1;
      }
    }
    if (timed) lat.push(performance.now() - s);
  }
  return { ms: performance.now() - t0, handled, orders, lat };
}
