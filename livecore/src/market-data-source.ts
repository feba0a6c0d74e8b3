import { readFile } from 'node:fs/promises';
import { MarketDataMessage, parseOrThrow } from '@ginkgo/contracts';
import { z } from 'zod';
import { parseCsvTape } from './csv-tape.js';

/** A source of market data (exchange feed, vendor API, recorded tape, generator). */
export interface MarketDataSource {
  readonly name: string;
  /** True for sources that yield as data arrives (publish at once instead of batching). */
  readonly live?: boolean;
  /** Yields validated messages in source order; ends when the source ends, throws when it fails. */
  messages(): AsyncIterable<MarketDataMessage>;
  close(): Promise<void>;
}

export interface ReplayOptions {
  /** 1 = real time, 60 = a minute per second, 0 (default) = as fast as possible. */
  speed?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A recorded tape (JSON array of messages, or CSV as documented in csv-tape.ts), replayed in order. */
export class TapeSource implements MarketDataSource {
  readonly name: string;
  private closed = false;

  constructor(
    private readonly events: MarketDataMessage[],
    name = 'tape',
    private readonly replay: ReplayOptions = {},
  ) {
    this.name = name;
  }

  /** `onBadRow`: a malformed CSV row is reported and skipped instead of refusing the whole tape. */
  static async fromFile(
    path: string,
    replay: ReplayOptions = {},
    market = 'cn',
    onBadRow?: (problem: string) => void,
  ): Promise<TapeSource> {
    const text = await readFile(path, 'utf8');
    const events = path.endsWith('.csv')
      ? parseCsvTape(text, { market, source: path, ...(onBadRow ? { onBadRow } : {}) })
      : parseOrThrow(z.array(MarketDataMessage), JSON.parse(text), `tape ${path}`);
    return new TapeSource(events, `tape:${path}`, replay);
  }

  get length(): number {
    return this.events.length;
  }

  async *messages(): AsyncIterable<MarketDataMessage> {
    const speed = this.replay.speed ?? 0;
    let prev: number | undefined;
    for (const e of this.events) {
      if (this.closed) return;
      if (speed > 0 && prev !== undefined && e.ts > prev) await sleep(Math.min((e.ts - prev) / speed, 60_000));
      prev = e.ts;
      yield e;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
