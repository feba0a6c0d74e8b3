import type { MarketDataMessage } from '@ginkgo/contracts';
import type { MarketDataSource } from './market-data-source.js';
import { prng } from './sample-tape.js';

/**
 * Generated ticks for load tests: a seeded random walk per code, `count` ticks in round-robin over the
 * codes, stamped from `startTs` every `stepMs` (source time), optionally paced in wall time.
 */
export class SyntheticSource implements MarketDataSource {
  private closed = false;

  constructor(
    private readonly opts: {
      codes: string[];
      count: number;
      market?: string;
      seed?: number;
      startTs?: number;
      stepMs?: number;
      startPriceMinor?: number;
      ratePerSecond?: number;
      name?: string;
    },
  ) {}

  get name(): string {
    return this.opts.name ?? 'synthetic';
  }

  get live(): boolean {
    return this.opts.ratePerSecond !== undefined;
  }

  async *messages(): AsyncIterable<MarketDataMessage> {
    const rnd = prng(this.opts.seed ?? 1);
    const price = new Map(this.opts.codes.map((c) => [c, this.opts.startPriceMinor ?? 1000]));
    const start = this.opts.startTs ?? Date.now();
    for (let i = 0; i < this.opts.count && !this.closed; i++) {
      const code = this.opts.codes[i % this.opts.codes.length] ?? '600000.SH';
      const p = Math.max(1, (price.get(code) ?? 1000) + Math.round((rnd() - 0.5) * 4));
      price.set(code, p);
      const ts = start + i * (this.opts.stepMs ?? 1);
      if (this.opts.ratePerSecond) await new Promise((r) => setTimeout(r, 1000 / this.opts.ratePerSecond!));
      yield {
        type: 'price',
        eventId: `${this.name}:${i}`,
        ts,
        seq: i + 1,
        market: this.opts.market ?? 'cn',
        code,
        kind: 'tick',
        price: p,
        volume: 100 + Math.floor(rnd() * 100) * 100,
      };
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
