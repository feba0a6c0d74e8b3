import { OrderMessage, topics, type CancelOrder, type OrderEvent, type SubmitOrder } from '@ginkgo/contracts';
import { validatedHandler, type Logger, type MessageBus, type MessageConsumer, type MessageProducer } from '@ginkgo/platform';
import type { BrokerAdapter, BrokerReport } from './broker-adapter.js';
import type { OrderLedger } from './order-ledger.js';

export interface TradeGatewayOptions {
  market: string;
  bus: MessageBus;
  broker: BrokerAdapter;
  ledger: OrderLedger;
  logger: Logger;
  groupId?: string;
}

/**
 * orders.<market> -> broker -> order.events.<market>. Each order reaches the broker once
 * (ledger dedupe by client order id), only from the current epoch of its portfolio, and
 * every broker report becomes an OrderEvent with a deterministic event id.
 */
export class TradeGateway {
  private consumer?: MessageConsumer;
  private producer?: MessageProducer;
  private publishing: Promise<void> = Promise.resolve();
  private started = false;
  readonly stats = { submitted: 0, duplicates: 0, fenced: 0, events: 0, submitFailed: 0 };

  constructor(private readonly opts: TradeGatewayOptions) {}

  get ready(): boolean {
    return this.started;
  }

  async start(): Promise<void> {
    const { bus, market, logger, broker } = this.opts;
    await bus.ensureTopics([
      { topic: topics.orders(market) },
      { topic: topics.orderEvents(market) },
      { topic: topics.deadLetter(topics.orders(market)), partitions: 1 },
    ]);
    const producer = await bus.producer();
    this.producer = producer;
    broker.onReport((r) => {
      // Reports are published in the order the broker produced them.
      this.publishing = this.publishing.then(() => this.publishReport(r)).catch((err: unknown) => {
        logger.error({ err: String(err), report: r }, 'publishing an order event failed');
      });
    });
    const consumer = await bus.consumer({ groupId: this.opts.groupId ?? `livecore-gateway-${market}`, topics: [topics.orders(market)], fromBeginning: true });
    this.consumer = consumer;
    await consumer.run(
      validatedHandler({
        schema: OrderMessage,
        producer,
        logger,
        handle: async (msg) => {
          if (msg.type === 'submit') await this.onSubmit(msg);
          else await this.onCancel(msg);
          // The offset commits only once this order's events are out.
          await this.publishing;
        },
      }),
    );
    await consumer.joined();
    this.started = true;
  }

  private async onSubmit(order: SubmitOrder): Promise<void> {
    const { ledger, broker, logger } = this.opts;
    const admission = await ledger.admit(order);
    if (admission.kind === 'stale-epoch') {
      this.stats.fenced++;
      logger.warn({ clientOrderId: order.clientOrderId, epoch: order.epoch, current: admission.current }, 'order from a fenced-off epoch refused');
      return;
    }
    if (admission.kind === 'duplicate') {
      this.stats.duplicates++;
      // A replayed order: its outcome is re-sent (idempotent by event id), never re-traded.
      await this.send(admission.events);
      return;
    }
    this.stats.submitted++;
    try {
      await broker.submit(order);
    } catch (err) {
      this.stats.submitFailed++;
      await this.publishReport({ clientOrderId: order.clientOrderId, event: 'SUBMIT_FAILED', reason: String(err), ts: order.ts });
    }
  }

  private async onCancel(cancel: CancelOrder): Promise<void> {
    const known = await this.opts.ledger.order(cancel.clientOrderId);
    if (!known) {
      this.opts.logger.warn({ clientOrderId: cancel.clientOrderId }, 'cancel for an unknown order ignored');
      return;
    }
    await this.opts.broker.cancel(cancel.clientOrderId, cancel.ts);
  }

  private async publishReport(r: BrokerReport): Promise<void> {
    const order = await this.opts.ledger.order(r.clientOrderId);
    if (!order) return;
    const event = await this.opts.ledger.append(r.clientOrderId, (seq) => ({
      type: 'order',
      eventId: `${r.clientOrderId}:${seq}`,
      ts: r.ts,
      seq,
      event: r.event,
      market: this.opts.market,
      portfolioId: order.portfolioId,
      clientOrderId: r.clientOrderId,
      ...(r.brokerOrderId !== undefined ? { brokerOrderId: r.brokerOrderId } : {}),
      ...(r.fillId !== undefined ? { fillId: r.fillId } : {}),
      ...(r.fillVolume !== undefined ? { fillVolume: r.fillVolume } : {}),
      ...(r.fillPrice !== undefined ? { fillPrice: r.fillPrice } : {}),
      ...(r.reason !== undefined ? { reason: r.reason } : {}),
    }));
    await this.send([event]);
  }

  private async send(events: OrderEvent[]): Promise<void> {
    if (!this.producer || events.length === 0) return;
    this.stats.events += events.length;
    await this.producer.send(
      topics.orderEvents(this.opts.market),
      events.map((e) => ({ key: e.portfolioId, value: JSON.stringify(e) })),
    );
  }

  /** Stops taking orders, lets in-flight reports go out, closes the broker. */
  async stop(): Promise<void> {
    this.started = false;
    await this.consumer?.close();
    await this.publishing;
    await this.opts.broker.close();
    await this.producer?.close();
  }
}
