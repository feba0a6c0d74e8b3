import {
  MarketDataMessage,
  OrderEvent,
  topics,
  type CancelOrder,
  type InterestUpdate,
  type PortfolioSpec,
  type SubmitOrder,
} from '@ginkgo/contracts';
import { PortfolioEngine, createDefaultRegistry, type ComponentRegistry, type PortfolioSnapshot } from '@ginkgo/core';
import {
  validatedHandler,
  type IncomingMessage,
  type LogReader,
  type Logger,
  type MessageBus,
  type MessageConsumer,
  type MessageProducer,
} from '@ginkgo/platform';
import { InterestMap } from './interest-map.js';
import { PortfolioWorker, positionKey, totalsOf, type WorkerFailure } from './portfolio-worker.js';
import type { PortfolioStateStore } from './portfolio-state-store.js';
import type { StatusSink } from './status-sink.js';
import { crashPoint } from './fault-injection.js';
import type { NodeMetrics } from './node-metrics.js';

export type { StatusSink } from './status-sink.js';

export interface ExecutionNodeOptions {
  nodeId: string;
  markets: string[];
  bus: MessageBus;
  stateStore: PortfolioStateStore;
  status: StatusSink;
  logger: Logger;
  registry?: ComponentRegistry;
  queueCapacity?: number;
  now?: () => number;
  /**
   * Reads order events a portfolio has not applied yet, from its persisted positions, when it starts
   * (restart, failover, migration). Without it (demo, in-memory bus) only the live consumer feeds it.
   */
  logReader?: LogReader;
  /** Consecutive component failures before a portfolio is stopped (S2.10). */
  maxFailures?: number;
  failureBackoffMs?: number;
  /** Fencing: orders go out only while this says yes (the node Lease is safely renewed, S9.10/S5.09). */
  mayTrade?: () => boolean;
  onFailure?: (f: WorkerFailure) => void;
  metrics?: NodeMetrics;
}

export interface Assignment {
  portfolioId: string;
  spec: PortfolioSpec;
  epoch: number;
  generation: number;
}

/**
 * The ExecutionNode: market data in (broadcast: a consumer group of its own), routed by
 * interest to per-portfolio workers; orders out; order events in. Transport-agnostic: the
 * real process gives it Kafka, the demo an in-memory bus.
 */
export class ExecutionNode {
  private readonly workers = new Map<string, { worker: PortfolioWorker; assignment: Assignment }>();
  /** Portfolios whose worker gave up (S2.10), by the run that failed: not restarted until the spec changes. */
  private readonly failed = new Map<string, Assignment>();
  private readonly interest = new InterestMap();
  private readonly consumers: MessageConsumer[] = [];
  private producer?: MessageProducer;
  private readonly registry: ComponentRegistry;
  private started = false;

  constructor(private readonly opts: ExecutionNodeOptions) {
    this.registry = opts.registry ?? createDefaultRegistry();
  }

  get ready(): boolean {
    return this.started;
  }

  portfolioIds(): string[] {
    return [...this.workers.keys()];
  }

  worker(portfolioId: string): PortfolioWorker | undefined {
    return this.workers.get(portfolioId)?.worker;
  }

  interestedCodes(): string[] {
    return this.interest.codes();
  }

  /** Topics, producer and consumers in one go (demo, tests). */
  async start(): Promise<void> {
    await this.prepare();
    await this.consume();
  }

  /**
   * Topics and producer only: portfolios can be assigned (and catch up) before any market data is
   * consumed, so a restarted node never routes replayed ticks to portfolios it has not started yet.
   */
  async prepare(): Promise<void> {
    const { bus, markets } = this.opts;
    if (this.producer) return;
    await bus.ensureTopics([
      ...markets.flatMap((m) => [
        { topic: topics.marketData(m) },
        { topic: topics.orders(m) },
        { topic: topics.orderEvents(m) },
        { topic: topics.deadLetter(topics.marketData(m)), partitions: 1 },
        { topic: topics.deadLetter(topics.orderEvents(m)), partitions: 1 },
      ]),
      { topic: topics.interestUpdates, partitions: 1, compacted: true },
    ]);
    this.producer = await bus.producer();
  }

  /** Starts consuming market data and order events. */
  async consume(): Promise<void> {
    const { bus, markets, nodeId, logger } = this.opts;
    const producer = this.producer;
    if (!producer) throw new Error('prepare() first');
    for (const market of markets) {
      const md = await bus.consumer({ groupId: `ginkgo-node-${nodeId}-md`, topics: [topics.marketData(market)] });
      await md.run(
        validatedHandler({ schema: MarketDataMessage, producer, logger, handle: (event, m) => this.routeMarketData(event, m) }),
      );
      const oe = await bus.consumer({ groupId: `ginkgo-node-${nodeId}-oe`, topics: [topics.orderEvents(market)] });
      await oe.run(
        validatedHandler({ schema: OrderEvent, producer, logger, handle: (event, m) => this.routeOrderEvent(event, m) }),
      );
      this.consumers.push(md, oe);
    }
    await Promise.all(this.consumers.map((c) => c.joined()));
    this.started = true;
    logger.info({ nodeId, markets }, 'execution node consuming');
  }

  private async routeMarketData(event: MarketDataMessage, m: IncomingMessage): Promise<void> {
    crashPoint('after-consume');
    this.opts.metrics?.eventsIn.inc({ kind: 'market' });
    // Session events concern every portfolio of the market; the rest go by code.
    const targets =
      event.type === 'session'
        ? [...this.workers.values()].filter((w) => w.assignment.spec.market === event.market).map((w) => w.worker)
        : [...this.interest.portfoliosFor(event.code)].flatMap((id) => this.workers.get(id)?.worker ?? []);
    this.opts.logger.debug({ eventId: event.eventId, targets: targets.map((t) => t.portfolioId) }, 'market data routed');
    const position = { topic: m.topic, partition: m.partition, offset: m.offset };
    await Promise.all(targets.map((w) => w.submit(event, position)));
  }

  private async routeOrderEvent(event: OrderEvent, m: IncomingMessage): Promise<void> {
    crashPoint('after-consume');
    this.opts.metrics?.eventsIn.inc({ kind: 'order' });
    const entry = this.workers.get(event.portfolioId);
    if (entry) await entry.worker.submit(event, { topic: m.topic, partition: m.partition, offset: m.offset });
  }

  /** Starts (or restarts, on a new epoch or generation) a portfolio from its stored state. */
  async assign(a: Assignment): Promise<void> {
    const existing = this.workers.get(a.portfolioId);
    if (existing && existing.assignment.epoch === a.epoch && existing.assignment.generation === a.generation) return;
    const failed = this.failed.get(a.portfolioId);
    if (failed && failed.epoch === a.epoch && failed.generation === a.generation) return;
    this.failed.delete(a.portfolioId);
    if (existing) await this.unassign(a.portfolioId, 'reassigned');
    const { stateStore, nodeId, logger, logReader } = this.opts;
    const started = Date.now();
    const stored = await stateStore.load(a.portfolioId);
    const restore = (snapshot: PortfolioSnapshot) => PortfolioEngine.restore({ snapshot, spec: a.spec, registry: this.registry });
    const engine = stored
      ? restore(stored.snapshot)
      : PortfolioEngine.create({ portfolioId: a.portfolioId, spec: a.spec, registry: this.registry });
    const oeTopic = topics.orderEvents(a.spec.market);
    let positions = stored?.inputPositions ?? {};
    if (logReader && !Object.keys(positions).some((k) => k.startsWith(`${oeTopic}:`))) {
      // First run: nothing before today's end of the order-event log can concern this portfolio.
      const ends = await logReader.endOffsets(oeTopic);
      positions = { ...positions };
      for (const e of ends) positions[positionKey({ topic: oeTopic, partition: e.partition })] = (BigInt(e.offset) - 1n).toString();
    }
    let openGate!: () => void;
    const gate = new Promise<void>((r) => (openGate = r));
    const worker = new PortfolioWorker({
      portfolioId: a.portfolioId,
      nodeId,
      epoch: a.epoch,
      engine,
      logger,
      queueCapacity: this.opts.queueCapacity ?? 1000,
      inputPositions: positions,
      gate,
      rebuild: restore,
      ...(this.opts.maxFailures !== undefined ? { maxFailures: this.opts.maxFailures } : {}),
      ...(this.opts.failureBackoffMs !== undefined ? { backoffMs: this.opts.failureBackoffMs } : {}),
      ...(this.opts.now ? { now: this.opts.now } : {}),
      effects: {
        publish: (orders, cancels) => this.publish(orders, cancels),
        save: (state, totals) => stateStore.save(state, totals),
        report: (id, view, result) => this.opts.status.report(id, view, result),
      },
      onFenced: (id) => void this.unassign(id, 'fenced'),
      onFailure: (f) => void this.onWorkerFailure(a, f),
      onConflated: () => this.opts.metrics?.conflatedTicks.inc(),
    });
    this.workers.set(a.portfolioId, { worker, assignment: a });
    try {
      // Persist the starting state (and positions) at once so a takeover never starts from nothing.
      const saved = await stateStore.save(
        { portfolioId: a.portfolioId, epoch: a.epoch, nodeId, snapshot: engine.snapshot(), inputPositions: positions },
        totalsOf(engine.view()),
      );
      if (!saved) throw new Error(`a newer epoch than ${a.epoch} owns ${a.portfolioId}`);
      if (logReader) await this.catchUp(worker, oeTopic, positions);
    } catch (err) {
      openGate();
      await this.unassign(a.portfolioId, 'start failed');
      throw err;
    }
    openGate();
    this.interest.set(a.portfolioId, engine.interestedCodes());
    await this.announceInterest();
    this.opts.status.report(a.portfolioId, worker.engine.view(), undefined);
    await this.opts.status.phase?.(a.portfolioId, a, 'Running', 'Running');
    logger.info(
      { portfolioId: a.portfolioId, epoch: a.epoch, generation: a.generation, restored: Boolean(stored), startMs: Date.now() - started },
      'portfolio started',
    );
  }

  /** Applies the order events published since the portfolio's persisted positions (exactly-once resume). */
  private async catchUp(worker: PortfolioWorker, topic: string, positions: Record<string, string>): Promise<void> {
    const from = Object.entries(positions)
      .filter(([k]) => k.startsWith(`${topic}:`))
      .map(([k, v]) => ({ partition: Number(k.slice(topic.length + 1)), offset: (BigInt(v) + 1n).toString() }));
    const missed = await this.opts.logReader!.read(topic, from, worker.portfolioId);
    let applied = 0;
    for (const m of missed) {
      const parsed = OrderEvent.safeParse(JSON.parse(m.value ?? 'null'));
      if (!parsed.success || parsed.data.portfolioId !== worker.portfolioId) continue;
      await worker.applyDirect(parsed.data, { topic: m.topic, partition: m.partition, offset: m.offset });
      applied++;
    }
    if (missed.length) this.opts.logger.info({ portfolioId: worker.portfolioId, read: missed.length, applied }, 'caught up on missed order events');
  }

  private async onWorkerFailure(a: Assignment, f: WorkerFailure): Promise<void> {
    const { stateStore, nodeId, logger } = this.opts;
    this.opts.onFailure?.(f);
    this.opts.metrics?.errors.inc();
    await stateStore
      .recordError?.({ portfolioId: f.portfolioId, epoch: f.epoch, nodeId, message: f.message, ...(f.eventId ? { eventId: f.eventId } : {}) })
      .catch((err: unknown) => logger.error({ err: String(err) }, 'recording a worker error failed'));
    const message = f.stopped
      ? `stopped after ${f.failures} consecutive failures: ${f.message}`
      : `component failed (${f.failures}), restarted from the last saved state: ${f.message}`;
    await this.opts.status.phase?.(a.portfolioId, a, 'Degraded', f.stopped ? 'WorkerFailed' : 'WorkerRestarted', message);
    if (f.stopped) {
      this.failed.set(a.portfolioId, a);
      await this.unassign(a.portfolioId, 'worker failed repeatedly');
    }
  }

  /** Emergency stop on or off for one portfolio (cancels its open orders, opens no positions). */
  async setHalted(portfolioId: string, halted: boolean): Promise<void> {
    await this.workers.get(portfolioId)?.worker.setHalted(halted);
  }

  assignmentOf(portfolioId: string): Assignment | undefined {
    return this.workers.get(portfolioId)?.assignment;
  }

  /** Drains and stops a portfolio's worker; its state is already saved event by event. */
  async unassign(portfolioId: string, reason: string): Promise<void> {
    const entry = this.workers.get(portfolioId);
    if (!entry) return;
    this.workers.delete(portfolioId);
    this.interest.remove(portfolioId);
    await entry.worker.stop();
    this.opts.status.forget?.(portfolioId);
    await this.announceInterest();
    this.opts.logger.info({ portfolioId, reason }, 'portfolio stopped');
  }

  /** Deletion: stop it and soft-delete its state (archived, not lost). */
  async archive(portfolioId: string): Promise<void> {
    await this.unassign(portfolioId, 'deleted');
    await this.opts.stateStore.markDeleted(portfolioId);
  }

  /** Running workers (watchdog, metrics). */
  runningWorkers(): PortfolioWorker[] {
    return [...this.workers.values()].map((w) => w.worker);
  }

  /** Deepest queue of any worker (the load the node reports). */
  queueDepth(): number {
    let max = 0;
    for (const { worker } of this.workers.values()) max = Math.max(max, worker.queueDepth);
    return max;
  }

  private async publish(orders: SubmitOrder[], cancels: CancelOrder[]): Promise<void> {
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

  private async announceInterest(): Promise<void> {
    if (!this.producer) return;
    for (const market of this.opts.markets) {
      const update: InterestUpdate = { nodeId: this.opts.nodeId, market, codes: this.interest.codes(), ts: Date.now() };
      await this.producer.send(topics.interestUpdates, [{ key: `${this.opts.nodeId}/${market}`, value: JSON.stringify(update) }]);
    }
  }

  /** Graceful stop: consumers first (no new events), then every worker drains. */
  async stop(): Promise<void> {
    this.started = false;
    for (const c of this.consumers.splice(0)) await c.close();
    for (const id of [...this.workers.keys()]) await this.unassign(id, 'node stopping');
    await this.producer?.close();
  }
}
