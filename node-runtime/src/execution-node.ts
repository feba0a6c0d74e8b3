import {
  MarketDataMessage,
  OrderEvent,
  topics,
  type CancelOrder,
  type InterestUpdate,
  type PortfolioSpec,
  type SubmitOrder,
} from '@ginkgo/contracts';
import { PortfolioEngine, createDefaultRegistry, marketById, type ComponentRegistry, type EngineEvent, type MarketRules, type PortfolioSnapshot, type SettlementRecord } from '@ginkgo/core';
import {
  validatedHandler,
  type Accepted,
  type IncomingMessage,
  type LogReader,
  type Logger,
  type MessageBus,
  type MessageConsumer,
  type MessageProducer,
} from '@ginkgo/platform';
import { InterestMap } from './interest-map.js';
import { sameButInterest } from './spec-change.js';
import { PortfolioWorker, positionKey, totalsOf, type CancelRequestInput, type InputPosition, type WorkerFailure } from './portfolio-worker.js';
import { RoutedPositions } from './routed-positions.js';
import { StartingPortfolios, type StartingPortfolio } from './starting-portfolios.js';
import { jsonOf, marketDataTime, mergeByEventTime, readMissed, withStartPositions, type MissedInput } from './input-catch-up.js';
import { settlementTopic } from './settlement-topic.js';
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
  /** Rules of each market (with the process's reference data); the bundled ones when absent. */
  marketRules?: Readonly<Record<string, MarketRules>>;
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
  /**
   * How often idle portfolios save how far market data was routed past them (0 = only with events and at
   * stop): bounds what a portfolio re-reads after a crash. Default 30 s.
   */
  checkpointIntervalMs?: number;
}

export interface Assignment {
  portfolioId: string;
  spec: PortfolioSpec;
  epoch: number;
  generation: number;
  /** Start halted (emergency stop in force): a restart must never open a trading window. */
  halted?: boolean;
}

/** Which market-data offsets a running worker may save as applied (see RoutedPositions). */
interface WatermarkMark {
  /** Routed by the node while this worker received every tick it wanted. */
  live: boolean;
  /** Frozen when the worker left the routing (stop, restart): later ticks never reached it. */
  frozen?: Record<string, string>;
}

/**
 * The ExecutionNode: market data in (broadcast: a consumer group of its own), routed by
 * interest to per-portfolio workers; orders out; order events in. Transport-agnostic: the
 * real process gives it Kafka, the demo an in-memory bus.
 */
export class ExecutionNode {
  private readonly workers = new Map<string, { worker: PortfolioWorker; assignment: Assignment; mark: WatermarkMark }>();
  /** Portfolios loading and catching up: their live inputs are buffered (nothing lost during a restart). */
  private readonly starting = new StartingPortfolios();
  private readonly routed = new RoutedPositions();
  /** Per market-data partition: the settle of the newest routed message (see routeMarketData). */
  private readonly routedChain = new Map<string, Promise<void>>();
  /** Portfolios whose worker gave up (S2.10), by the run that failed: not restarted until the spec changes. */
  private readonly failed = new Map<string, Assignment>();
  private readonly interest = new InterestMap();
  private readonly consumers: MessageConsumer[] = [];
  private producer?: MessageProducer;
  private readonly registry: ComponentRegistry;
  private started = false;
  private checkpointTimer?: NodeJS.Timeout;

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
        { topic: settlementTopic(m) },
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
      // Handed on in event-time order across partitions, also when a backlog is read after a rebuild.
      const md = await bus.consumer({ groupId: `ginkgo-node-${nodeId}-md`, topics: [topics.marketData(market)], eventTime: marketDataTime });
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
    const every = this.opts.checkpointIntervalMs ?? 30000;
    if (every > 0) {
      this.checkpointTimer = setInterval(() => {
        // Busy portfolios save with every event anyway; only idle ones need it.
        for (const { worker } of this.workers.values()) {
          if (worker.queueDepth > 0 || worker.stopped) continue;
          worker.checkpoint().catch((err: unknown) => logger.debug({ portfolioId: worker.portfolioId, err: String(err) }, 'checkpoint not saved'));
        }
      }, every);
      this.checkpointTimer.unref();
    }
    this.started = true;
    logger.info({ nodeId, markets }, 'execution node consuming');
  }

  private async routeMarketData(event: MarketDataMessage, m: IncomingMessage): Promise<Accepted> {
    crashPoint('after-consume');
    this.opts.metrics?.eventsIn.inc({ kind: 'market' });
    // Session events concern every portfolio of the market; the rest go by code.
    const position = { topic: m.topic, partition: m.partition, offset: m.offset };
    const ids =
      event.type === 'session'
        ? [
            ...[...this.workers.entries()].filter(([, w]) => w.assignment.spec.market === event.market).map(([id]) => id),
            ...this.starting.ofMarket(event.market).map((s) => s.portfolioId),
          ]
        : [...this.interest.portfoliosFor(event.code)];
    // A portfolio starting or restarting gets it in its buffer (applied once it has caught up).
    const targets = ids.flatMap((id) => (this.buffer(id, event, position) ? [] : (this.workers.get(id)?.worker ?? [])));
    this.opts.logger.debug({ eventId: event.eventId, targets: targets.map((t) => t.portfolioId) }, 'market data routed');
    const queued = targets.map((w) => w.enqueue(event, position));
    await Promise.all(queued.map((q) => q.admitted));
    // The watermark moves past this message only once it and every message before it (same partition) is
    // durable at every target: a chain per partition, broken (and restarted) when one fails.
    const key = positionKey(position);
    const before = this.routedChain.get(key);
    const settled = Promise.all([before, ...queued.map((q) => q.settled)]).then(() => this.routed.record(position));
    this.routedChain.set(key, settled);
    settled.then(
      () => this.routedChain.get(key) === settled && this.routedChain.delete(key),
      () => this.routedChain.get(key) === settled && this.routedChain.delete(key),
    );
    return { settled };
  }

  private buffer(portfolioId: string, event: EngineEvent, position: InputPosition): boolean {
    const s = this.starting.get(portfolioId);
    if (!s) return false;
    s.inputs.push({ event, position });
    return true;
  }

  private async routeOrderEvent(event: OrderEvent, m: IncomingMessage): Promise<Accepted | void> {
    crashPoint('after-consume');
    this.opts.metrics?.eventsIn.inc({ kind: 'order' });
    const position = { topic: m.topic, partition: m.partition, offset: m.offset };
    if (this.buffer(event.portfolioId, event, position)) return;
    const entry = this.workers.get(event.portfolioId);
    if (!entry) return;
    const queued = entry.worker.enqueue(event, position);
    await queued.admitted;
    return { settled: queued.settled };
  }

  /**
   * Starts (or restarts, on a new epoch or generation) a portfolio from its stored state and its own
   * persisted input positions: live inputs are buffered from the first moment (on a restart the route is
   * kept), the order events and market data published since those positions are read back from the log and
   * applied in order, then the buffer (duplicates skipped by offset), and only then does the worker go live.
   */
  async assign(a: Assignment): Promise<void> {
    const existing = this.workers.get(a.portfolioId);
    if (existing && existing.assignment.epoch === a.epoch && existing.assignment.generation === a.generation) return;
    if (existing && existing.assignment.epoch === a.epoch && sameButInterest(existing.assignment.spec, a.spec)) {
      await this.changeInterest(existing, a);
      return;
    }
    const failed = this.failed.get(a.portfolioId);
    if (failed && failed.epoch === a.epoch && failed.generation === a.generation) return;
    this.failed.delete(a.portfolioId);
    const { stateStore, nodeId, logger, logReader } = this.opts;
    const started = Date.now();
    const pending = this.starting.begin(a.portfolioId, a.spec.market);
    if (existing) await this.retire(a.portfolioId, existing, 'restarting with a new spec or epoch');
    let worker: PortfolioWorker | undefined;
    let openGate!: () => void;
    const gate = new Promise<void>((r) => (openGate = r));
    const mark: WatermarkMark = { live: false };
    const oeTopic = topics.orderEvents(a.spec.market);
    const mdTopic = topics.marketData(a.spec.market);
    let caughtUp = 0;
    try {
      const stored = await stateStore.load(a.portfolioId);
      const market = marketById(a.spec.market, this.opts.marketRules);
      const restore = (snapshot: PortfolioSnapshot) => PortfolioEngine.restore({ snapshot, spec: a.spec, registry: this.registry, market });
      const engine = stored
        ? restore(stored.snapshot)
        : PortfolioEngine.create({ portfolioId: a.portfolioId, spec: a.spec, registry: this.registry, market });
      // From here on its codes are routed (into the buffer); anything routed before is in the log.
      this.interest.set(a.portfolioId, engine.interestedCodes());
      await this.announceInterest();
      let positions = stored?.inputPositions ?? {};
      // First run of a topic: nothing before the end of its log concerns this portfolio.
      if (logReader) positions = await withStartPositions(logReader, positions, [oeTopic, mdTopic]);
      worker = new PortfolioWorker({
        portfolioId: a.portfolioId,
        nodeId,
        epoch: a.epoch,
        engine,
        logger,
        queueCapacity: this.opts.queueCapacity ?? 1000,
        inputPositions: positions,
        ...(a.halted ? { halted: true } : {}),
        gate,
        rebuild: restore,
        watermark: () => (mark.live ? this.routed.of(mdTopic) : (mark.frozen ?? {})),
        ...(this.opts.maxFailures !== undefined ? { maxFailures: this.opts.maxFailures } : {}),
        ...(this.opts.failureBackoffMs !== undefined ? { backoffMs: this.opts.failureBackoffMs } : {}),
        ...(this.opts.now ? { now: this.opts.now } : {}),
        effects: {
          publish: (orders, cancels) => this.publish(orders, cancels),
          save: (state, totals) => stateStore.save(state, totals),
          report: (id, view, result) => this.opts.status.report(id, view, result),
          publishSettlement: (record) => this.publishSettlement(a.spec.market, record),
        },
        onFenced: (id) => void this.unassign(id, 'fenced'),
        // The assignment as it is now: an interest change in place moves its generation on.
        onFailure: (f) => void this.onWorkerFailure(this.workers.get(a.portfolioId)?.assignment ?? a, f),
        onConflated: () => this.opts.metrics?.conflatedTicks.inc(),
        onFills: (n) => this.opts.metrics?.fills.inc({ market: a.spec.market }, n),
      });
      // Persist the starting state (and positions) at once so a takeover never starts from nothing.
      const saved = await stateStore.save(
        { portfolioId: a.portfolioId, epoch: a.epoch, nodeId, snapshot: engine.snapshot(), inputPositions: positions },
        totalsOf(engine.view()),
      );
      if (!saved) throw new Error(`a newer epoch than ${a.epoch} owns ${a.portfolioId}`);
      if (logReader) caughtUp = await this.catchUp(worker, a, positions);
      const concerns = inputFilter(a);
      // The buffer, in arrival order, until it is empty; then the worker takes over in the same turn.
      for (let next = pending.inputs.shift(); next; next = pending.inputs.shift()) {
        if (pending.cancelled) break;
        if (concerns(next.event)) await worker.applyDirect(next.event, next.position);
      }
      if (pending.cancelled) throw new Error('unassigned while starting');
    } catch (err) {
      this.starting.end(pending);
      openGate();
      if (!pending.cancelled) {
        this.interest.remove(a.portfolioId);
        await this.announceInterest().catch(() => undefined);
      }
      await worker?.stop();
      if (pending.cancelled) {
        logger.info({ portfolioId: a.portfolioId, epoch: a.epoch }, 'start abandoned: unassigned meanwhile');
        return;
      }
      throw err;
    }
    this.starting.end(pending);
    mark.live = true;
    this.workers.set(a.portfolioId, { worker, assignment: a, mark });
    openGate();
    this.opts.status.report(a.portfolioId, worker.engine.view(), undefined);
    await this.opts.status.phase?.(a.portfolioId, a, 'Running', 'Running');
    logger.info(
      { portfolioId: a.portfolioId, epoch: a.epoch, generation: a.generation, caughtUp, startMs: Date.now() - started },
      'portfolio started',
    );
  }

  /**
   * Only the interest set changed: the running worker keeps its queue and state; its engine takes the new set
   * in order with its inputs, and the routing follows in the same turn, so a tick of an added code is queued
   * behind the change and one of a removed code is no longer routed here.
   */
  private async changeInterest(entry: { worker: PortfolioWorker; assignment: Assignment; mark: WatermarkMark }, a: Assignment): Promise<void> {
    const { worker } = entry;
    const suspended = new Set(worker.engine.view().suspendedCodes);
    const changed = worker.setInterest(a.spec.interestedCodes);
    this.interest.set(a.portfolioId, a.spec.interestedCodes.filter((c) => !suspended.has(c)));
    entry.assignment = a;
    await changed;
    await this.announceInterest();
    await this.opts.status.phase?.(a.portfolioId, a, 'Running', 'Running');
    this.opts.logger.info({ portfolioId: a.portfolioId, generation: a.generation, codes: a.spec.interestedCodes }, 'interest set updated in place');
  }

  /**
   * Applies what was published since the portfolio's persisted positions (exactly-once resume): its order
   * events, then the market data it wants. Returns how many inputs were applied.
   */
  private async catchUp(worker: PortfolioWorker, a: Assignment, positions: Record<string, string>): Promise<number> {
    const reader = this.opts.logReader!;
    const oeTopic = topics.orderEvents(a.spec.market);
    const mdTopic = topics.marketData(a.spec.market);
    const concerns = inputFilter(a);
    const codes = a.spec.interestedCodes;
    const keep = (parsed: { success: true; data: EngineEvent } | { success: false }) => (parsed.success && concerns(parsed.data) ? parsed.data : undefined);
    const [oe, md] = await Promise.all([
      readMissed(reader, oeTopic, positions, (m) => keep(OrderEvent.safeParse(jsonOf(m))), a.portfolioId),
      // Ticks are keyed by code: one code can be read by key, several are filtered here.
      readMissed(reader, mdTopic, positions, (m) => keep(MarketDataMessage.safeParse(jsonOf(m))), codes.length === 1 ? codes[0] : undefined),
    ]);
    // Event-time order across partitions and topics: a portfolio whose codes sit on several partitions must
    // see 10:20 before 10:25, or the engine takes the older bars for a clock going backwards and drops them.
    const all: MissedInput<EngineEvent>[] = mergeByEventTime<EngineEvent>([md, oe], (e) => e.ts);
    for (const m of all) await worker.applyDirect(m.event, m.position);
    if (all.length) this.opts.logger.info({ portfolioId: worker.portfolioId, orderEvents: oe.length, marketData: md.length }, 'caught up from own positions');
    return all.length;
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
    const wasStarting = this.starting.cancel(portfolioId);
    const entry = this.workers.get(portfolioId);
    if (!entry) {
      if (wasStarting) {
        this.interest.remove(portfolioId);
        await this.announceInterest();
      }
      return;
    }
    this.interest.remove(portfolioId);
    await this.retire(portfolioId, entry, reason);
    await this.announceInterest();
  }

  /** Takes a worker out of the routing (its watermark frozen there), drains it and saves its final positions. */
  private async retire(
    portfolioId: string,
    entry: { worker: PortfolioWorker; assignment: Assignment; mark: WatermarkMark },
    reason: string,
  ): Promise<void> {
    if (this.workers.get(portfolioId) === entry) this.workers.delete(portfolioId);
    if (entry.mark.live) entry.mark.frozen = this.routed.of(topics.marketData(entry.assignment.spec.market));
    entry.mark.live = false;
    await entry.worker.stop();
    this.opts.status.forget?.(portfolioId);
    this.opts.logger.info({ portfolioId, reason }, 'portfolio stopped');
  }

  /** Manual cancels (S6.11) for a running portfolio; undefined when it does not run here. */
  async cancelOrders(portfolioId: string, requests: CancelRequestInput[]): Promise<string | undefined> {
    return this.workers.get(portfolioId)?.worker.cancel(requests);
  }

  /**
   * Planned move (hand-over): stop the portfolio, drain, persist state and positions. Returns the epoch it
   * ran with, or undefined if it was not running here.
   */
  async release(portfolioId: string): Promise<number | undefined> {
    const entry = this.workers.get(portfolioId);
    await this.unassign(portfolioId, 'handed over');
    return entry?.assignment.epoch;
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

  private async publishSettlement(market: string, record: SettlementRecord): Promise<void> {
    if (!this.producer) throw new Error('execution node not started');
    await this.producer.send(settlementTopic(market), [{ key: record.portfolioId, value: JSON.stringify(record) }]);
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
    clearInterval(this.checkpointTimer);
    for (const c of this.consumers.splice(0)) await c.close();
    for (const id of this.starting.ids()) this.starting.cancel(id);
    for (const id of [...this.workers.keys()]) await this.unassign(id, 'node stopping');
    await this.producer?.close();
  }
}

/** Whether an input concerns this portfolio: its order events, its market's sessions, its codes. */
function inputFilter(a: Assignment): (e: EngineEvent) => boolean {
  const codes = new Set(a.spec.interestedCodes);
  return (e) => {
    if (e.type === 'order') return e.portfolioId === a.portfolioId;
    if (e.type === 'session') return e.market === a.spec.market;
    return 'code' in e && codes.has(e.code);
  };
}

