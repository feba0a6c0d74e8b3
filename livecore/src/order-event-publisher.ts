import { topics, type OrderEvent } from '@ginkgo/contracts';
import type { Logger, MessageProducer } from '@ginkgo/platform';
import { orderEventOf, type BrokerReport } from './broker-adapter.js';
import { TERMINAL_EVENTS, type OrderLedger } from './order-ledger.js';
import type { GatewayMeter } from './gateway-meter.js';
import type { OrdersAtBroker } from './orders-at-broker.js';

export interface OrderEventPublisherOptions {
  market: string;
  ledger: OrderLedger;
  logger: Logger;
  meter: GatewayMeter;
  atBroker: OrdersAtBroker;
  /** Counts the events sent. */
  stats: { events: number };
}

/**
 * Turns broker reports into order events: each is recorded in the ledger once, with a deterministic event id
 * (`<clientOrderId>:<seq>`), and published on order.events.<market> in the order the broker produced them.
 */
export class OrderEventPublisher {
  private producer?: MessageProducer;
  private publishing: Promise<void> = Promise.resolve();
  /** Reports taken and not yet recorded and sent (or given up on): the publishing backlog. */
  private pending = 0;

  constructor(private readonly opts: OrderEventPublisherOptions) {}

  /** Events are sent once the gateway has its producer. */
  attach(producer: MessageProducer): void {
    this.producer = producer;
  }

  /** Resolves once every report enqueued so far is recorded and its event sent. */
  flushed(): Promise<void> {
    return this.publishing;
  }

  /** Reports not yet published: counted from the moment the broker produced them until their event is sent. */
  get backlog(): number {
    return this.pending;
  }

  enqueue(r: BrokerReport): void {
    this.opts.atBroker.reported(r);
    this.pending++;
    // Reports are published in the order the broker produced them.
    this.publishing = this.publishing
      .then(() => this.publishReport(r))
      .catch((err: unknown) => {
        this.opts.logger.error({ err, report: r }, 'publishing an order event failed');
      })
      .finally(() => this.pending--);
  }

  async send(events: OrderEvent[]): Promise<void> {
    if (!this.producer || events.length === 0) return;
    this.opts.stats.events += events.length;
    await this.producer.send(
      topics.orderEvents(this.opts.market),
      events.map((e) => ({ key: e.portfolioId, value: JSON.stringify(e) })),
    );
  }

  private async publishReport(r: BrokerReport): Promise<void> {
    const order = await this.opts.ledger.order(r.clientOrderId);
    if (!order) return;
    const event = await this.opts.ledger.append(r.clientOrderId, (seq, prior) => {
      // Reconciliation and live reports may race: a fill, an ack or an end state is recorded once.
      if (r.fillId !== undefined && prior.some((e) => e.fillId === r.fillId)) return undefined;
      if (r.event === 'ACCEPTED' && prior.some((e) => e.event === 'ACCEPTED')) return undefined;
      const isFill = r.event === 'FILLED' || r.event === 'PARTIALLY_FILLED';
      if (!isFill && TERMINAL_EVENTS.has(r.event) && prior.some((e) => TERMINAL_EVENTS.has(e.event))) return undefined;
      return orderEventOf(r, seq, { market: this.opts.market, portfolioId: order.portfolioId });
    });
    if (event) {
      // Metrics and the in-flight set follow the events as recorded (a report seen twice counts once).
      this.opts.atBroker.recorded(event);
      this.opts.meter.recorded(event);
      await this.send([event]);
    }
  }
}
