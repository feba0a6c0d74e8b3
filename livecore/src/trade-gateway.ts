import { LivecoreCommand, OrderMessage, livecoreTopics, topics, type SubmitOrder } from '@ginkgo/contracts';
import { validatedHandler, type MessageConsumer, type MessageProducer } from '@ginkgo/platform';
import type { z } from 'zod';
import { submitWithRetry } from './broker-submit.js';
import { newGatewayStats, type GatewayContext } from './gateway-context.js';
import { answerCommand, reconcileWithBroker } from './gateway-control.js';
import { GatewayMeter } from './gateway-meter.js';
import type { TradeGatewayOptions } from './gateway-options.js';
import { admitSubmit } from './order-admission.js';
import { cancelOrder, onCancel } from './order-cancel.js';
import { OrderEventPublisher } from './order-event-publisher.js';
import { OrdersAtBroker } from './orders-at-broker.js';
import type { ReconcileReport } from './reconciler.js';

export type { RetryPolicy, TradeGatewayOptions } from './gateway-options.js';

export interface GatewayStatus {
  market: string;
  ready: boolean;
  broker: string;
  consuming: string[];
  awaitingAck: number;
  stats: TradeGateway['stats'];
}

/**
 * orders.<market> -> broker -> order.events.<market>. Each order reaches the broker once
 * (ledger dedupe by client order id), only from the current epoch of its portfolio, and
 * every broker report becomes an OrderEvent with a deterministic event id. Operator commands
 * arrive on `livecore.control.<market>` and are answered on `livecore.control-replies.<market>`.
 *
 * This class runs the consumers and the lifecycle; the steps of an order live in their own modules
 * (order-admission, broker-submit, order-cancel, order-event-publisher, gateway-control).
 */
export class TradeGateway {
  private consumers: MessageConsumer[] = [];
  private producer?: MessageProducer;
  private unsubscribe?: () => void;
  private started = false;
  private stopping = false;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly atBroker = new OrdersAtBroker();
  private readonly events: OrderEventPublisher;
  private readonly ctx: GatewayContext;
  readonly stats = newGatewayStats();

  constructor(private readonly opts: TradeGatewayOptions) {
    const { market, ledger, logger } = opts;
    const meter = new GatewayMeter(market, opts.metrics, this.atBroker, () => this.events.backlog);
    this.events = new OrderEventPublisher({
      market,
      ledger,
      logger,
      meter,
      atBroker: this.atBroker,
      stats: this.stats,
    });
    this.ctx = {
      opts,
      stats: this.stats,
      meter,
      atBroker: this.atBroker,
      events: this.events,
      track: (fn) => this.track(fn),
      stopping: () => this.stopping,
    };
  }

  get ready(): boolean {
    return this.started;
  }

  status(): GatewayStatus {
    const { market, broker } = this.opts;
    const consuming = [topics.orders(market), ...((this.opts.control ?? true) ? [livecoreTopics.control(market)] : [])];
    return {
      market,
      ready: this.started,
      broker: broker.name,
      consuming,
      awaitingAck: this.atBroker.awaitingAck.size,
      stats: { ...this.stats },
    };
  }

  async start(): Promise<void> {
    const { bus, market, logger, broker } = this.opts;
    await bus.ensureTopics([
      { topic: topics.orders(market) },
      { topic: topics.orderEvents(market) },
      { topic: topics.deadLetter(topics.orders(market)), partitions: 1 },
      { topic: livecoreTopics.control(market), partitions: 1 },
      { topic: livecoreTopics.controlReplies(market), partitions: 1 },
      { topic: topics.deadLetter(livecoreTopics.control(market)), partitions: 1 },
    ]);
    const producer = await bus.producer();
    this.producer = producer;
    this.events.attach(producer);
    this.unsubscribe = broker.onReport((r) => this.events.enqueue(r));
    if (this.opts.reconcileOnStart ?? true) {
      // Best effort: a broker that is down now must not keep orders from being answered (SUBMIT_FAILED).
      await this.reconcile().then(
        (report) => logger.info({ report }, 'reconciled with the broker on start'),
        (err: unknown) => {
          this.ctx.meter.brokerError('reconcile');
          logger.error({ err }, 'reconciliation on start failed: run it on demand once the broker is back');
        },
      );
    }
    // Orders still open from before a restart count as in flight until their outcome arrives.
    this.atBroker.restore((await this.opts.ledger.openOrders(market).catch(() => [])).map((o) => o.clientOrderId));
    // Each consumer dead-letters what its schema refuses and carries on.
    const consume = async <T extends z.ZodType>(
      groupId: string,
      topic: string,
      schema: T,
      handle: (value: z.infer<T>) => Promise<void>,
      fromBeginning = false,
    ) => {
      const consumer = await bus.consumer({ groupId, topics: [topic], fromBeginning });
      this.consumers.push(consumer);
      await consumer.run(validatedHandler({ schema, producer, logger, handle }));
    };
    const groupId = this.opts.groupId ?? `livecore-gateway-${market}`;
    const onOrder = (msg: OrderMessage) =>
      this.track(async () => {
        this.ctx.meter.received(msg.type);
        if (msg.type === 'submit') await this.onSubmit(msg);
        else await onCancel(this.ctx, msg);
        // The offset commits only once this order's events are out.
        await this.events.flushed();
      });
    await consume(groupId, topics.orders(market), OrderMessage, onOrder, true);
    if (this.opts.control ?? true) {
      await consume(`${groupId}-control`, livecoreTopics.control(market), LivecoreCommand, (cmd) =>
        this.track(() => this.onCommand(cmd)),
      );
    }
    await Promise.all(this.consumers.map((c) => c.joined()));
    this.started = true;
    logger.info({ status: this.status() }, 'trade gateway started');
  }

  private async track<T>(fn: () => Promise<T>): Promise<T> {
    const p = fn();
    this.inflight.add(p);
    try {
      return await p;
    } finally {
      this.inflight.delete(p);
    }
  }

  private async onSubmit(order: SubmitOrder): Promise<void> {
    if (!(await admitSubmit(this.ctx, order))) return;
    this.stats.submitted++;
    await submitWithRetry(this.ctx, order);
  }

  /**
   * Cancels one order. Plain: asks the broker, CANCELLED follows from its report. Force: records CANCELLED
   * for the portfolio at once and tells the broker best effort (manual intervention when the broker hangs).
   */
  async cancelOrder(
    clientOrderId: string,
    ts: number,
    force: boolean,
    reason: string,
  ): Promise<{ ok: true } | { ok: false; error: string }> {
    return cancelOrder(this.ctx, clientOrderId, ts, force, reason);
  }

  private async onCommand(cmd: LivecoreCommand): Promise<void> {
    const reply = await answerCommand(this.ctx, cmd);
    await this.producer?.send(livecoreTopics.controlReplies(this.opts.market), [
      { key: cmd.requestId, value: JSON.stringify(reply) },
    ]);
  }

  /** Compares the broker's view with the ledger and publishes the events that were missed (on start and on demand). */
  async reconcile(): Promise<ReconcileReport> {
    return reconcileWithBroker(this.ctx);
  }

  /**
   * Stops taking orders and commands, lets the orders in flight finish (handlers done, broker
   * acknowledgements in, their events published), then closes the broker and the producer.
   */
  async stop(): Promise<void> {
    this.started = false;
    this.stopping = true;
    for (const c of this.consumers.splice(0)) await c.close();
    await Promise.allSettled([...this.inflight]);
    const unacknowledged = await this.atBroker.drain(Date.now() + (this.opts.drainTimeoutMs ?? 10_000));
    if (unacknowledged.length > 0)
      this.opts.logger.warn({ orders: unacknowledged }, 'stopping with orders not acknowledged by the broker');
    await this.events.flushed();
    this.atBroker.clearTimers();
    this.unsubscribe?.();
    if (this.opts.closeBrokerOnStop ?? true) await this.opts.broker.close();
    await this.producer?.close();
    this.opts.logger.info({ stats: this.stats }, 'trade gateway stopped');
  }
}
