import { InterestUpdate, topics, type MarketDataMessage } from '@ginkgo/contracts';
import {
  validatedHandler,
  type Logger,
  type MessageBus,
  type MessageConsumer,
  type MessageProducer,
} from '@ginkgo/platform';
import type { MarketDataSource } from './market-data-source.js';
import { MarketDataGuard } from './market-data-guard.js';
import type { MarketRules } from '@ginkgo/core';
import { marketRulesFor } from './market-rules-for.js';

export interface DataFeederOptions {
  market: string;
  /** Rules of the markets (price limits of the day for the guard); the bundled ones when absent. */
  marketRules?: Readonly<Record<string, MarketRules>>;
  bus: MessageBus;
  logger: Logger;
  /** Publish only codes some node announced on `interest.updates`. */
  filterByInterest?: boolean;
  /** Consumer group for interest.updates (each feeder reads the whole compacted topic). */
  nodeIdGroup?: string;
  /** Drop data a sane feed cannot produce (default on). */
  guard?: MarketDataGuard | false;
  /** Wall clock for latency figures only. */
  now?: () => number;
}

/**
 * Source adapters -> `market.data.<market>` keyed by code (session events by market), with the
 * source's timestamps and event ids. Follows `interest.updates` so that, when filtering is on, only
 * codes some node wants are published.
 */
export class DataFeeder {
  private producer?: MessageProducer;
  private interestConsumer?: MessageConsumer;
  private readonly interest = new Map<string, Set<string>>();
  private readonly guard: MarketDataGuard | undefined;
  private interestSeen?: () => void;
  published = 0;
  skipped = 0;
  invalid = 0;
  /** Wall time minus source time of the last published price (ms), for the latency figure. */
  lastLatencyMs = 0;
  readonly interestReady: Promise<void>;

  constructor(private readonly opts: DataFeederOptions) {
    this.guard =
      opts.guard === false
        ? undefined
        : (opts.guard ?? new MarketDataGuard(marketRulesFor(opts.market, opts.marketRules).rules));
    this.interestReady = new Promise<void>((r) => (this.interestSeen = r));
  }

  get started(): boolean {
    return this.producer !== undefined;
  }

  async start(): Promise<void> {
    const { bus, market, logger } = this.opts;
    await bus.ensureTopics([
      { topic: topics.marketData(market) },
      { topic: topics.interestUpdates, partitions: 1, compacted: true },
    ]);
    this.producer = await bus.producer();
    if (this.opts.filterByInterest) {
      const consumer = await bus.consumer({
        groupId: this.opts.nodeIdGroup ?? `livecore-feeder-${market}`,
        topics: [topics.interestUpdates],
        fromBeginning: true,
      });
      this.interestConsumer = consumer;
      await consumer.run(
        validatedHandler({
          schema: InterestUpdate,
          producer: this.producer,
          logger,
          handle: async (u) => {
            if (u.market !== market) return;
            this.interest.set(u.nodeId, new Set(u.codes));
            logger.info({ nodeId: u.nodeId, codes: u.codes.length }, 'interest update applied');
            this.interestSeen?.();
          },
        }),
      );
      await consumer.joined();
    }
  }

  /** Codes wanted by any node (used when filtering). */
  wantedCodes(): Set<string> {
    const all = new Set<string>();
    for (const codes of this.interest.values()) for (const c of codes) all.add(c);
    return all;
  }

  async publish(messages: MarketDataMessage[]): Promise<void> {
    if (!this.producer) throw new Error('feeder not started');
    const wanted = this.opts.filterByInterest ? this.wantedCodes() : undefined;
    const out: MarketDataMessage[] = [];
    for (const m of messages) {
      if (m.type !== 'session' && wanted && !wanted.has(m.code)) {
        this.skipped++;
        continue;
      }
      const problem = this.guard?.check(m);
      if (problem) {
        this.invalid++;
        this.opts.logger.warn({ eventId: m.eventId, problem }, 'invalid market data dropped');
        continue;
      }
      this.guard?.accept(m);
      out.push(m);
    }
    if (out.length === 0) return;
    await this.producer.send(
      topics.marketData(this.opts.market),
      out.map((m) => ({ key: m.type === 'session' ? `session:${m.market}` : m.code, value: JSON.stringify(m) })),
    );
    this.published += out.length;
    const last = out.at(-1);
    if (last) this.lastLatencyMs = (this.opts.now ?? Date.now)() - last.ts;
  }

  /** Pumps a source through until it ends (or `signal` aborts); returns how many messages were published. */
  async run(source: MarketDataSource, batchSize = 100, signal?: AbortSignal): Promise<number> {
    let batch: MarketDataMessage[] = [];
    const before = this.published;
    for await (const m of source.messages()) {
      if (signal?.aborted) break;
      batch.push(m);
      // Live sources yield slowly: flush whatever is there when the batch is full or the source pauses.
      if (batch.length >= batchSize || source.live) {
        await this.publish(batch);
        batch = [];
      }
    }
    await this.publish(batch);
    return this.published - before;
  }

  async stop(): Promise<void> {
    await this.interestConsumer?.close();
    await this.producer?.close();
  }
}
