import { settlementsTopic, topics, type CancelOrder, type InterestUpdate, type SubmitOrder } from '@ginkgo/contracts';
import type { SettlementRecord } from '@ginkgo/core';
import type { MessageBus, MessageProducer } from '@ginkgo/platform';
import type { NodeMetrics } from '../health/node-metrics.js';

export interface NodePublisherOptions {
  nodeId: string;
  markets: string[];
  bus: MessageBus;
  metrics?: NodeMetrics | undefined;
  /** Orders go out only while this says yes (the node Lease is safely renewed). */
  mayTrade?: (() => boolean) | undefined;
}

/**
 * What the node sends: orders and cancels (held back while the node is fenced), end-of-day settlement
 * records, and the union of its portfolios' interest sets for the feeder. `prepare` creates the topics the
 * node uses and its producer.
 */
export class NodePublisher {
  private producer?: MessageProducer;

  constructor(private readonly opts: NodePublisherOptions) {}

  /** Topics and producer (once); returns the producer (dead letters of the consumers go through it too). */
  async prepare(): Promise<MessageProducer> {
    if (this.producer) return this.producer;
    const { bus, markets } = this.opts;
    await bus.ensureTopics([
      ...markets.flatMap((m) => [
        { topic: topics.marketData(m) },
        { topic: topics.orders(m) },
        { topic: topics.orderEvents(m) },
        { topic: topics.deadLetter(topics.marketData(m)), partitions: 1 },
        { topic: topics.deadLetter(topics.orderEvents(m)), partitions: 1 },
        { topic: settlementsTopic(m) },
      ]),
      { topic: topics.interestUpdates, partitions: 1, compacted: true },
    ]);
    this.producer = await bus.producer();
    return this.producer;
  }

  /** The producer once prepared, else undefined. */
  get prepared(): MessageProducer | undefined {
    return this.producer;
  }

  /** Orders and cancels to `orders.<market>`, keyed by portfolio id (per-portfolio order kept). */
  async orders(orders: SubmitOrder[], cancels: CancelOrder[]): Promise<void> {
    const producer = this.producer;
    if (!producer) throw new Error('execution node not started');
    if (this.opts.mayTrade && !this.opts.mayTrade()) {
      // Fenced (Lease not safely renewed): the event fails and is replayed once the node may trade again.
      throw new Error('node is fenced: its Lease is not safely renewed, orders are held back');
    }
    const byMarket = new Map<string, (SubmitOrder | CancelOrder)[]>();
    for (const m of [...orders, ...cancels]) byMarket.set(m.market, [...(byMarket.get(m.market) ?? []), m]);
    this.opts.metrics?.ordersOut.inc({ type: 'submit' }, orders.length);
    this.opts.metrics?.ordersOut.inc({ type: 'cancel' }, cancels.length);
    for (const [market, msgs] of byMarket) {
      await producer.send(
        topics.orders(market),
        msgs.map((m) => ({ key: m.portfolioId, value: JSON.stringify(m) })),
      );
    }
  }

  /** An end-of-day record to `settlements.<market>`, keyed by portfolio id. */
  async settlement(market: string, record: SettlementRecord): Promise<void> {
    if (!this.producer) throw new Error('execution node not started');
    await this.producer.send(settlementsTopic(market), [{ key: record.portfolioId, value: JSON.stringify(record) }]);
  }

  /**
   * The node's interest set (read at each send, so the latest goes out) on `interest.updates`: compacted, one
   * key per node and market. A no-op before prepare.
   */
  async interest(codes: () => string[]): Promise<void> {
    if (!this.producer) return;
    for (const market of this.opts.markets) {
      const update: InterestUpdate = { nodeId: this.opts.nodeId, market, codes: codes(), ts: Date.now() };
      await this.producer.send(topics.interestUpdates, [
        { key: `${this.opts.nodeId}/${market}`, value: JSON.stringify(update) },
      ]);
    }
  }

  async close(): Promise<void> {
    await this.producer?.close();
  }
}
