import { InterestUpdate, topics, type MarketDataMessage } from '@ginkgo/contracts';
import { validatedHandler, type Logger, type MessageBus, type MessageConsumer, type MessageProducer } from '@ginkgo/platform';
import type { MarketDataSource } from './market-data-source.js';

/**
 * Source adapters -> `market.data.<market>` keyed by code. Follows `interest.updates`
 * so that, when filtering is on, only codes some node wants are published.
 */
export class DataFeeder {
  private producer?: MessageProducer;
  private interestConsumer?: MessageConsumer;
  private readonly interest = new Map<string, Set<string>>();
  published = 0;
  skipped = 0;

  constructor(
    private readonly opts: { market: string; bus: MessageBus; logger: Logger; filterByInterest?: boolean; nodeIdGroup?: string },
  ) {}

  async start(): Promise<void> {
    const { bus, market, logger } = this.opts;
    await bus.ensureTopics([{ topic: topics.marketData(market) }, { topic: topics.interestUpdates, partitions: 1, compacted: true }]);
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
            if (u.market === market) this.interest.set(u.nodeId, new Set(u.codes));
          },
        }),
      );
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
    const out = messages.filter((m) => m.type === 'session' || !wanted || wanted.has(m.code));
    this.skipped += messages.length - out.length;
    await this.producer.send(
      topics.marketData(this.opts.market),
      out.map((m) => ({ key: m.type === 'session' ? `session:${m.market}` : m.code, value: JSON.stringify(m) })),
    );
    this.published += out.length;
  }

  /** Pumps a whole source through; returns how many messages were published. */
  async run(source: MarketDataSource, batchSize = 100): Promise<number> {
    let batch: MarketDataMessage[] = [];
    for await (const m of source.messages()) {
      batch.push(m);
      if (batch.length >= batchSize) {
        await this.publish(batch);
        batch = [];
      }
    }
    await this.publish(batch);
    return this.published;
  }

  async stop(): Promise<void> {
    await this.interestConsumer?.close();
    await this.producer?.close();
  }
}
