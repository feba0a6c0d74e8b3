import {
  LivecoreCommand,
  OrderMessage,
  livecoreTopics,
  topics,
  type CancelOrder,
  type LivecoreReply,
  type OrderEvent,
  type SubmitOrder,
} from '@ginkgo/contracts';
import { validatedHandler, type Logger, type MessageBus, type MessageConsumer, type MessageProducer } from '@ginkgo/platform';
import { BrokerUnavailableError, type BrokerAdapter, type BrokerReport } from './broker-adapter.js';
import { TERMINAL_EVENTS, type OrderLedger } from './order-ledger.js';
import { reconcile, type ReconcileReport } from './reconciler.js';
import { rejectionCategory, type GatewayMetrics } from './gateway-metrics.js';

export interface RetryPolicy {
  /** Tries in total (1 = no retry). */
  attempts: number;
  /** Wait before the first retry; doubles each time, up to maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs?: number;
}

export interface TradeGatewayOptions {
  market: string;
  bus: MessageBus;
  broker: BrokerAdapter;
  ledger: OrderLedger;
  logger: Logger;
  groupId?: string;
  /** Submits to an unreachable broker are retried this way, then answered with SUBMIT_FAILED (S5.05). */
  submitRetry?: RetryPolicy;
  /** An order not finished this long after submission is cancelled at the broker (S6.05). */
  orderTimeoutMs?: number;
  /** Consume `livecore.control.<market>` (manual cancel, reconcile). Default true. */
  control?: boolean;
  /** Reconcile the ledger with the broker before taking orders. Default true. */
  reconcileOnStart?: boolean;
  /** Close the broker adapter on stop (false when the broker outlives this gateway, as a real venue does). */
  closeBrokerOnStop?: boolean;
  /** How long stop() waits for orders already at the broker to be acknowledged. */
  drainTimeoutMs?: number;
  /** Prometheus metrics (createGatewayMetrics on the process registry); none when omitted. */
  metrics?: GatewayMetrics;
}

export interface GatewayStatus {
  market: string;
  ready: boolean;
  broker: string;
  consuming: string[];
  awaitingAck: number;
  stats: TradeGateway['stats'];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * orders.<market> -> broker -> order.events.<market>. Each order reaches the broker once
 * (ledger dedupe by client order id), only from the current epoch of its portfolio, and
 * every broker report becomes an OrderEvent with a deterministic event id. Operator commands
 * arrive on `livecore.control.<market>` and are answered on `livecore.control-replies.<market>`.
 */
export class TradeGateway {
  private consumers: MessageConsumer[] = [];
  private producer?: MessageProducer;
  private publishing: Promise<void> = Promise.resolve();
  private unsubscribe?: () => void;
  private started = false;
  private stopping = false;
  private readonly inflight = new Set<Promise<unknown>>();
  /** Orders handed to the broker and not yet acknowledged (accepted, rejected, filled...). */
  private readonly awaitingAck = new Set<string>();
  private readonly timeouts = new Map<string, NodeJS.Timeout>();
  /** Orders at the broker without a final outcome (the in-flight gauge). */
  private readonly open = new Set<string>();
  readonly stats = { submitted: 0, duplicates: 0, fenced: 0, fencedCancels: 0, events: 0, submitFailed: 0, retries: 0, timeouts: 0, cancels: 0, commands: 0 };

  constructor(private readonly opts: TradeGatewayOptions) {
    opts.metrics?.readFrom({ market: opts.market, inFlight: () => this.open.size, awaitingAck: () => this.awaitingAck.size });
  }

  private get labels() {
    return { market: this.opts.market };
  }

  get ready(): boolean {
    return this.started;
  }

  status(): GatewayStatus {
    const { market, broker } = this.opts;
    const consuming = [topics.orders(market), ...((this.opts.control ?? true) ? [livecoreTopics.control(market)] : [])];
    return { market, ready: this.started, broker: broker.name, consuming, awaitingAck: this.awaitingAck.size, stats: { ...this.stats } };
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
    this.unsubscribe = broker.onReport((r) => this.enqueueReport(r));
    if (this.opts.reconcileOnStart ?? true) {
      // Best effort: a broker that is down now must not keep orders from being answered (SUBMIT_FAILED).
      await this.reconcile().then(
        (report) => logger.info({ report }, 'reconciled with the broker on start'),
        (err: unknown) => {
          this.opts.metrics?.brokerErrors.inc({ ...this.labels, operation: 'reconcile' });
          logger.error({ err: String(err) }, 'reconciliation on start failed: run it on demand once the broker is back');
        },
      );
    }
    // Orders still open from before a restart count as in flight until their outcome arrives.
    for (const o of await this.opts.ledger.openOrders(market).catch(() => [])) this.open.add(o.clientOrderId);
    const orders = await bus.consumer({ groupId: this.opts.groupId ?? `livecore-gateway-${market}`, topics: [topics.orders(market)], fromBeginning: true });
    this.consumers.push(orders);
    await orders.run(
      validatedHandler({
        schema: OrderMessage,
        producer,
        logger,
        handle: (msg) =>
          this.track(async () => {
            this.opts.metrics?.received.inc({ ...this.labels, type: msg.type });
            if (msg.type === 'submit') await this.onSubmit(msg);
            else await this.onCancel(msg);
            // The offset commits only once this order's events are out.
            await this.publishing;
          }),
      }),
    );
    if (this.opts.control ?? true) {
      const control = await bus.consumer({ groupId: `${this.opts.groupId ?? `livecore-gateway-${market}`}-control`, topics: [livecoreTopics.control(market)] });
      this.consumers.push(control);
      await control.run(validatedHandler({ schema: LivecoreCommand, producer, logger, handle: (cmd) => this.track(() => this.onCommand(cmd)) }));
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
    const { ledger, broker, logger } = this.opts;
    const admission = await ledger.admit(order);
    if (admission.kind === 'stale-epoch') {
      this.stats.fenced++;
      this.refuseFenced(order, admission.current, 'order from a fenced-off epoch refused');
      return;
    }
    if (admission.kind === 'duplicate') {
      this.stats.duplicates++;
      this.opts.metrics?.duplicates.inc(this.labels);
      // A replayed order: its outcome is re-sent (idempotent by event id), never re-traded...
      if (admission.events.length > 0) return this.send(admission.events);
      // ...unless we crashed between admitting it and handing it to the broker.
      const known = await broker.order(order.clientOrderId).catch(() => undefined);
      if (known) return;
      logger.warn({ clientOrderId: order.clientOrderId }, 'replayed order never reached the broker: submitting it now');
    }
    this.stats.submitted++;
    await this.submitWithRetry(order);
  }

  private async submitWithRetry(order: SubmitOrder): Promise<void> {
    const { broker, logger } = this.opts;
    const policy = this.opts.submitRetry ?? { attempts: 3, backoffMs: 200 };
    let wait = policy.backoffMs;
    let lastError = '';
    for (let attempt = 1; attempt <= Math.max(1, policy.attempts); attempt++) {
      try {
        this.awaitingAck.add(order.clientOrderId);
        this.open.add(order.clientOrderId);
        await broker.submit(order);
        this.armTimeout(order);
        return;
      } catch (err) {
        this.awaitingAck.delete(order.clientOrderId);
        this.open.delete(order.clientOrderId);
        this.opts.metrics?.brokerErrors.inc({ ...this.labels, operation: 'submit' });
        lastError = err instanceof Error ? err.message : String(err);
        if (!(err instanceof BrokerUnavailableError) || attempt >= policy.attempts || this.stopping) break;
        this.stats.retries++;
        logger.warn({ clientOrderId: order.clientOrderId, attempt, error: lastError, retryInMs: wait }, 'broker unreachable: retrying the submit');
        await sleep(wait);
        wait = Math.min(wait * 2, policy.maxBackoffMs ?? 5000);
      }
    }
    this.stats.submitFailed++;
    logger.error({ clientOrderId: order.clientOrderId, error: lastError }, 'submit failed: SUBMIT_FAILED sent to the portfolio');
    this.enqueueReport({
      clientOrderId: order.clientOrderId,
      event: 'SUBMIT_FAILED',
      reason: `${lastError} (after ${Math.max(1, policy.attempts)} attempts)`.slice(0, 500),
      ts: order.ts,
    });
  }

  private armTimeout(order: SubmitOrder): void {
    const ms = this.opts.orderTimeoutMs;
    if (ms === undefined || this.timeouts.has(order.clientOrderId)) return;
    const timer = setTimeout(() => {
      this.timeouts.delete(order.clientOrderId);
      void this.track(async () => {
        const events = await this.opts.ledger.events(order.clientOrderId);
        if (events.some((e) => TERMINAL_EVENTS.has(e.event))) return;
        this.stats.timeouts++;
        const filled = events.reduce((n, e) => n + (e.fillVolume ?? 0), 0);
        const reason = `timeout: ${filled}/${order.volume} filled ${ms} ms after submission`;
        this.opts.logger.warn({ clientOrderId: order.clientOrderId, reason }, 'order timed out: cancel sent to the broker');
        try {
          const outcome = await this.opts.broker.cancel(order.clientOrderId, order.ts + ms, reason);
          if (!outcome.ok) this.opts.logger.warn({ clientOrderId: order.clientOrderId, reason: outcome.reason }, 'timeout cancel refused');
        } catch (err) {
          this.opts.metrics?.brokerErrors.inc({ ...this.labels, operation: 'cancel' });
          this.opts.logger.error({ clientOrderId: order.clientOrderId, err: String(err) }, 'timeout cancel failed: broker unreachable');
        }
      });
    }, ms);
    timer.unref();
    this.timeouts.set(order.clientOrderId, timer);
  }

  /** A submit or cancel from an assignment epoch older than the portfolio's newest: counted and logged. */
  private refuseFenced(m: SubmitOrder | CancelOrder, current: number, message: string): void {
    this.opts.metrics?.fenced.inc({ ...this.labels, type: m.type });
    this.opts.logger.warn({ clientOrderId: m.clientOrderId, portfolioId: m.portfolioId, nodeId: m.nodeId, epoch: m.epoch, current }, message);
  }

  private async onCancel(cancel: CancelOrder): Promise<void> {
    const { ledger, logger } = this.opts;
    // Fencing as for submits: a node that lost the portfolio must not cancel what the new owner works with.
    const fence = await ledger.observeEpoch(cancel.portfolioId, cancel.epoch);
    if (fence.stale) {
      this.stats.fencedCancels++;
      this.refuseFenced(cancel, fence.current, 'cancel from a fenced-off epoch refused: the order is left as it is');
      return;
    }
    const order = await ledger.order(cancel.clientOrderId);
    if (order && order.portfolioId !== cancel.portfolioId) {
      logger.warn({ clientOrderId: cancel.clientOrderId, portfolioId: cancel.portfolioId, owner: order.portfolioId }, "cancel refused: the order belongs to another portfolio");
      return;
    }
    const result = await this.cancelOrder(cancel.clientOrderId, cancel.ts, cancel.force, cancel.reason || 'cancel requested by the portfolio');
    if (!result.ok) this.opts.logger.warn({ clientOrderId: cancel.clientOrderId, error: result.error }, 'cancel not carried out');
  }

  /**
   * Cancels one order. Plain: asks the broker, CANCELLED follows from its report. Force: records CANCELLED
   * for the portfolio at once and tells the broker best effort (manual intervention when the broker hangs).
   */
  async cancelOrder(clientOrderId: string, ts: number, force: boolean, reason: string): Promise<{ ok: true } | { ok: false; error: string }> {
    const { ledger, broker } = this.opts;
    const order = await ledger.order(clientOrderId);
    if (!order) return { ok: false, error: `order ${clientOrderId} is unknown to the gateway; nothing changed` };
    const events = await ledger.events(clientOrderId);
    const terminal = events.find((e) => TERMINAL_EVENTS.has(e.event));
    if (terminal) return { ok: false, error: `order ${clientOrderId} is already ${terminal.event}; nothing changed` };
    this.stats.cancels++;
    if (force) {
      const filled = events.reduce((n, e) => n + (e.fillVolume ?? 0), 0);
      this.enqueueReport({ clientOrderId, event: 'CANCELLED', reason: `forced: ${reason} (${filled}/${order.volume} filled)`.slice(0, 500), ts });
      await this.publishing;
      try {
        await broker.cancel(clientOrderId, ts, reason);
      } catch (err) {
        this.opts.metrics?.brokerErrors.inc({ ...this.labels, operation: 'cancel' });
        this.opts.logger.warn({ clientOrderId, err: String(err) }, 'forced cancel: broker not reachable, order marked cancelled anyway');
      }
      return { ok: true };
    }
    try {
      const outcome = await broker.cancel(clientOrderId, ts, reason);
      return outcome.ok ? { ok: true } : { ok: false, error: `broker refused the cancel: ${outcome.reason}; nothing changed` };
    } catch (err) {
      this.opts.metrics?.brokerErrors.inc({ ...this.labels, operation: 'cancel' });
      return { ok: false, error: `${err instanceof Error ? err.message : String(err)}; the cancel was not sent, nothing changed` };
    }
  }

  private async onCommand(cmd: LivecoreCommand): Promise<void> {
    this.stats.commands++;
    const { logger, market } = this.opts;
    logger.info({ command: cmd }, 'control command');
    let reply: LivecoreReply;
    if (cmd.market !== market) {
      reply = { requestId: cmd.requestId, market, ok: false, error: `command for market ${cmd.market} sent to the ${market} engine`, ts: cmd.ts };
    } else if (cmd.type === 'cancel') {
      const r = await this.cancelOrder(cmd.clientOrderId, cmd.ts, cmd.force, `${cmd.reason} (by ${cmd.requestedBy})`);
      reply = r.ok ? { requestId: cmd.requestId, market, ok: true, ts: cmd.ts } : { requestId: cmd.requestId, market, ok: false, error: r.error, ts: cmd.ts };
    } else {
      try {
        const report = await this.reconcile();
        reply = { requestId: cmd.requestId, market, ok: true, result: { ...report }, ts: cmd.ts };
      } catch (err) {
        this.opts.metrics?.brokerErrors.inc({ ...this.labels, operation: 'reconcile' });
        reply = { requestId: cmd.requestId, market, ok: false, error: `reconciliation failed: ${String(err)}; nothing corrected`, ts: cmd.ts };
      }
    }
    if (!reply.ok) logger.warn({ requestId: cmd.requestId, error: reply.error }, 'control command failed');
    await this.producer?.send(livecoreTopics.controlReplies(market), [{ key: cmd.requestId, value: JSON.stringify(reply) }]);
  }

  /** Compares the broker's view with the ledger and publishes the events that were missed (on start and on demand). */
  async reconcile(): Promise<ReconcileReport> {
    const report = await reconcile({ market: this.opts.market, broker: this.opts.broker, ledger: this.opts.ledger, emit: (r) => this.enqueueReport(r) });
    await this.publishing;
    if (report.corrections.length || report.unknownAtGateway.length || report.positionDifferences.length) {
      this.opts.logger.warn({ report }, 'reconciliation found differences');
    }
    return report;
  }

  private enqueueReport(r: BrokerReport): void {
    if (r.event !== 'SUBMIT_FAILED') this.awaitingAck.delete(r.clientOrderId);
    if (TERMINAL_EVENTS.has(r.event)) {
      const t = this.timeouts.get(r.clientOrderId);
      if (t) clearTimeout(t);
      this.timeouts.delete(r.clientOrderId);
    }
    // Reports are published in the order the broker produced them.
    this.publishing = this.publishing
      .then(() => this.publishReport(r))
      .catch((err: unknown) => {
        this.opts.logger.error({ err: String(err), report: r }, 'publishing an order event failed');
      });
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
      return {
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
      };
    });
    if (event) {
      this.count(event);
      await this.send([event]);
    }
  }

  /** Metrics and the in-flight set follow the events as recorded (a report seen twice counts once). */
  private count(e: OrderEvent): void {
    if (TERMINAL_EVENTS.has(e.event)) this.open.delete(e.clientOrderId);
    const m = this.opts.metrics;
    if (!m) return;
    if (e.fillVolume !== undefined) m.fills.inc(this.labels);
    if (e.event === 'ACCEPTED') m.accepted.inc(this.labels);
    else if (e.event === 'REJECTED') m.rejected.inc({ ...this.labels, reason: rejectionCategory(e.reason) });
    else if (e.event === 'SUBMIT_FAILED') m.rejected.inc({ ...this.labels, reason: 'broker_unreachable' });
    else if (e.event === 'CANCELLED') m.cancels.inc(this.labels);
  }

  private async send(events: OrderEvent[]): Promise<void> {
    if (!this.producer || events.length === 0) return;
    this.stats.events += events.length;
    await this.producer.send(
      topics.orderEvents(this.opts.market),
      events.map((e) => ({ key: e.portfolioId, value: JSON.stringify(e) })),
    );
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
    const deadline = Date.now() + (this.opts.drainTimeoutMs ?? 10_000);
    while (this.awaitingAck.size > 0 && Date.now() < deadline) await sleep(20);
    if (this.awaitingAck.size > 0) this.opts.logger.warn({ orders: [...this.awaitingAck] }, 'stopping with orders not acknowledged by the broker');
    await this.publishing;
    for (const t of this.timeouts.values()) clearTimeout(t);
    this.timeouts.clear();
    this.unsubscribe?.();
    if (this.opts.closeBrokerOnStop ?? true) await this.opts.broker.close();
    await this.producer?.close();
    this.opts.logger.info({ stats: this.stats }, 'trade gateway stopped');
  }
}
