import { PortfolioSpec, type PriceUpdate } from '@ginkgo/contracts';
import { cnAShareMarket, createDefaultRegistry, localTs, type ComponentRegistry } from '@ginkgo/core';
import type { StatusSink } from '@ginkgo/node-runtime';

/** Main-board codes 600000.SH, 600001.SH, ...: 10% price limits, all in the default market rules. */
export function codeUniverse(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${600000 + i}.SH`);
}

/** Default components plus the two the bench needs: one that buys on every tick, one that never trades. */
export function benchRegistry(): ComponentRegistry {
  return createDefaultRegistry()
    .registerStrategy('bench-buy-every-tick', (_view, e) => [
      { code: e.code, direction: 'LONG', reason: 'bench: buy on every tick' },
    ])
    .registerStrategy('bench-noop', () => []);
}

export function benchSpec(strategy: 'bench-buy-every-tick' | 'bench-noop', codes: string[]): PortfolioSpec {
  return PortfolioSpec.parse({
    market: 'cn',
    initialCash: '100000000.00',
    strategy: { name: strategy },
    interestedCodes: codes,
  });
}

/** Status goes nowhere: the bench measures the trading path, not the Kubernetes status writer. */
export const noStatus: StatusSink = { report: () => undefined };

/** A trading morning (Monday 2025-03-03, 09:30 local): event time the engine accepts. */
export const sessionStart = localTs(cnAShareMarket, '2025-03-03', '09:30');

export function tick(i: number, code: string, ts: number, runId: string): PriceUpdate {
  return {
    type: 'price',
    eventId: `${runId}-t${i}`,
    ts,
    seq: i,
    market: 'cn',
    code,
    kind: 'tick',
    price: 1000 + (i % 7),
    volume: 100,
    prevClose: 1000,
  };
}
