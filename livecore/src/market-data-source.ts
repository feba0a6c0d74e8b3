import { readFile } from 'node:fs/promises';
import { MarketDataMessage, parseOrThrow } from '@ginkgo/contracts';
import { z } from 'zod';

/** A source of market data (exchange feed, vendor API, recorded tape). */
export interface MarketDataSource {
  readonly name: string;
  /** Yields validated messages in source order; ends when the source ends. */
  messages(): AsyncIterable<MarketDataMessage>;
  close(): Promise<void>;
}

/** A recorded tape: a JSON array of price updates, replayed in order. */
export class TapeSource implements MarketDataSource {
  readonly name: string;

  constructor(private readonly events: MarketDataMessage[], name = 'tape') {
    this.name = name;
  }

  static async fromFile(path: string): Promise<TapeSource> {
    const raw: unknown = JSON.parse(await readFile(path, 'utf8'));
    return new TapeSource(parseOrThrow(z.array(MarketDataMessage), raw, `tape ${path}`), `tape:${path}`);
  }

  async *messages(): AsyncIterable<MarketDataMessage> {
    for (const e of this.events) yield e;
  }

  async close(): Promise<void> {}
}
