import { nodeConditionReason, topics } from '@ginkgo/contracts';
import { createDefaultRegistry, type ComponentRegistry, type MarketRules } from '@ginkgo/core';
import type { LogReader, Logger, MessageBus } from '@ginkgo/platform';
import type { NodeMetrics } from './health/node-metrics.js';
import type { Assignment } from './membership/assignment.js';
import { inputFilter, missedInputs, withStartPositions } from './routing/input-catch-up.js';
import { InputRouter } from './routing/input-router.js';
import { InterestMap } from './routing/interest-map.js';
import { NodePublisher } from './routing/node-publisher.js';
import { RoutedPositions } from './routing/routed-positions.js';
import { StartingPortfolios } from './routing/starting-portfolios.js';
import { ownState } from './state/incarnations.js';
import type { PortfolioStateStore } from './state/portfolio-state-store.js';
import { totalsOf } from './state/portfolio-totals.js';
import type { StatusSink } from './status/status-sink.js';
import type { CancelRequestInput } from './worker/order-interventions.js';
import type { PortfolioWorker } from './worker/portfolio-worker.js';
import { LocalWorkerHost } from './worker/local-worker-host.js';
import type { WorkerHandle, WorkerHost } from './worker/worker-handle.js';
import { sameButInterest } from './worker/spec-change.js';
import type { WorkerFailure } from './worker/worker-options.js';

export type { StatusSink } from './status/status-sink.js';
export type { Assignment } from './membership/assignment.js';

export interface ExecutionNodeOptions<W extends WorkerHandle = PortfolioWorker> {
  nodeId: string;
  markets: string[];
  bus: MessageBus;
  stateStore: PortfolioStateStore;
  status: StatusSink;
  logger: Logger;
  registry?: ComponentRegistry;
  /**
   * Where the workers run: on this thread (default, with `registry` and `marketRules`) or on worker threads
   * (`ThreadedWorkerHost`, which loads the registry and rules in each thread itself).
   */
  workerHost?: WorkerHost<W>;
  /** Rules of each market (with the process's reference data); the bundled ones when absent. */
  marketRules?: Readonly<Record<string, MarketRules>>;
  queueCapacity?: number;
  now?: () => number;
  /**
   * Reads order events a portfolio has not applied yet, from its persisted positions, when it starts
   * (restart, failover, migration). Without it (demo, in-memory bus) only the live consumer feeds it.
   */
  logReader?: LogReader;
  /** Consecutive component failures before a portfolio is stopped. */
  maxFailures?: number;
  failureBackoffMs?: number;
  /** Fencing: orders go out only while this says yes (the node Lease is safely renewed). */
  mayTrade?: () => boolean;
  onFailure?: (f: WorkerFailure) => void;
  metrics?: NodeMetrics;
  /**
   * How often idle portfolios save how far market data was routed past them (0 = only with events and at
   * stop): bounds what a portfolio re-reads after a crash. Default 30 s.
   */
  checkpointIntervalMs?: number;
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
export class ExecutionNode<W extends WorkerHandle = PortfolioWorker> {
  private readonly workers = new Map<string, { worker: W; assignment: Assignment; mark: WatermarkMark }>();
  /** Portfolios loading and catching up: their live inputs are buffered (nothing lost during a restart). */
  private readonly starting = new StartingPortfolios();
  private readonly routed = new RoutedPositions();
  /** Portfolios whose worker gave up, by the run that failed: not restarted until the spec changes. */
  private readonly failed = new Map<string, Assignment>();
  private readonly interest = new InterestMap();
  private readonly inputs: InputRouter;
  private readonly out: NodePublisher;
  private readonly host: WorkerHost<W>;
  private started = false;
  private checkpointTimer?: NodeJS.Timeout;

  constructor(private readonly opts: ExecutionNodeOptions<W>) {
    this.host =
      opts.workerHost ??
      (new LocalWorkerHost(opts.registry ?? createDefaultRegistry(), opts.marketRules) as unknown as WorkerHost<W>);
    const { nodeId, markets, bus, logger, metrics, mayTrade } = opts;
    this.out = new NodePublisher({ nodeId, markets, bus, metrics, mayTrade });
    this.inputs = new InputRouter({
      nodeId,
      markets,
      bus,
      logger,
      metrics,
      interest: this.interest,
      starting: this.starting,
      routed: this.routed,
      workers: {
        worker: (id) => this.workers.get(id)?.worker,
        runningOn: (market) =>
          [...this.workers.entries()].filter(([, w]) => w.assignment.spec.market === market).map(([id]) => id),
      },
    });
  }

  get ready(): boolean {
    return this.started;
  }

  portfolioIds(): string[] {
    return [...this.workers.keys()];
  }

  worker(portfolioId: string): W | undefined {
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
    await this.out.prepare();
  }

  /** Starts consuming market data and order events. */
  async consume(): Promise<void> {
    const { markets, nodeId, logger } = this.opts;
    const producer = this.out.prepared;
    if (!producer) throw new Error('prepare() first');
    await this.inputs.start(producer);
    const every = this.opts.checkpointIntervalMs ?? 30000;
    if (every > 0) {
      this.checkpointTimer = setInterval(() => {
        // Busy portfolios save with every event anyway; only idle ones need it.
        for (const { worker } of this.workers.values()) {
          if (worker.queueDepth > 0 || worker.stopped) continue;
          worker
            .checkpoint()
            .catch((err: unknown) => logger.debug({ portfolioId: worker.portfolioId, err }, 'checkpoint not saved'));
        }
      }, every);
      this.checkpointTimer.unref();
    }
    this.started = true;
    logger.info({ nodeId, markets }, 'execution node consuming');
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
    let worker: W | undefined;
    let openGate!: () => void;
    const gate = new Promise<void>((r) => (openGate = r));
    const mark: WatermarkMark = { live: false };
    const oeTopic = topics.orderEvents(a.spec.market);
    const mdTopic = topics.marketData(a.spec.market);
    let caughtUp = 0;
    try {
      const stored = ownState(await stateStore.load(a.portfolioId), a);
      // A first start continues the order numbering of earlier portfolios of this name (ids stay unique).
      const orderSeqAfter = stored ? 0 : await stateStore.usedOrderSeq(a.portfolioId);
      // From here on its codes are routed (into the buffer); anything routed before is in the log. Suspended
      // codes too: the engine drops their ticks, and must hear the resumption (a restart during a suspension
      // routed without the code, so the portfolio never traded it again).
      this.interest.set(a.portfolioId, a.spec.interestedCodes);
      await this.announceInterest();
      let positions = stored?.inputPositions ?? {};
      // First run of a topic: nothing before the end of its log concerns this portfolio.
      if (logReader) positions = await withStartPositions(logReader, positions, [oeTopic, mdTopic]);
      const begun = await this.host.start({
        assignment: a,
        ...(stored ? { stored: stored.snapshot } : {}),
        orderSeqAfter,
        options: {
          portfolioId: a.portfolioId,
          nodeId,
          epoch: a.epoch,
          ...(a.incarnation ? { incarnation: a.incarnation } : {}),
          logger,
          queueCapacity: this.opts.queueCapacity ?? 1000,
          inputPositions: positions,
          ...(a.halted ? { halted: true } : {}),
          gate,
          watermark: () => (mark.live ? this.routed.of(mdTopic) : (mark.frozen ?? {})),
          ...(this.opts.maxFailures !== undefined ? { maxFailures: this.opts.maxFailures } : {}),
          ...(this.opts.failureBackoffMs !== undefined ? { backoffMs: this.opts.failureBackoffMs } : {}),
          ...(this.opts.now ? { now: this.opts.now } : {}),
          effects: {
            publish: (orders, cancels) => this.out.orders(orders, cancels),
            save: (state, totals) => stateStore.save(state, totals),
            report: (id, view, result) => this.opts.status.report(id, view, result),
            publishSettlement: (record) => this.out.settlement(a.spec.market, record),
          },
          onFenced: (id) => void this.unassign(id, 'fenced'),
          // The assignment as it is now: an interest change in place moves its generation on.
          onFailure: (f) => void this.onWorkerFailure(this.workers.get(a.portfolioId)?.assignment ?? a, f),
          onConflated: () => this.opts.metrics?.conflatedTicks.inc(),
          onFills: (n) => this.opts.metrics?.fills.inc({ market: a.spec.market }, n),
          onDuplicate: () => this.opts.metrics?.duplicateEvents.inc(),
        },
      });
      worker = begun.worker;
      // Persist the starting state (and positions) at once so a takeover never starts from nothing.
      const saved = await stateStore.save(
        {
          portfolioId: a.portfolioId,
          epoch: a.epoch,
          nodeId,
          ...(a.incarnation ? { incarnation: a.incarnation } : {}),
          snapshot: begun.snapshot,
          inputPositions: positions,
        },
        totalsOf(begun.view),
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
    this.opts.status.report(a.portfolioId, worker.view(), undefined);
    await this.opts.status.phase?.(a.portfolioId, a, 'Running', nodeConditionReason.Running);
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
  private async changeInterest(
    entry: { worker: W; assignment: Assignment; mark: WatermarkMark },
    a: Assignment,
  ): Promise<void> {
    const { worker } = entry;
    const changed = worker.setInterest(a.spec.interestedCodes);
    // Suspended codes stay routed: the engine drops their ticks and takes their resumption.
    this.interest.set(a.portfolioId, a.spec.interestedCodes);
    entry.assignment = a;
    await changed;
    await this.announceInterest();
    this.opts.logger.info(
      { portfolioId: a.portfolioId, generation: a.generation, codes: a.spec.interestedCodes },
      'interest set updated in place',
    );
    await this.opts.status.phase?.(a.portfolioId, a, 'Running', nodeConditionReason.Running);
  }

  /**
   * Applies what was published since the portfolio's persisted positions (exactly-once resume): its order
   * events, then the market data it wants, in event-time order. Returns how many inputs were applied.
   */
  private async catchUp(worker: W, a: Assignment, positions: Record<string, string>): Promise<number> {
    const { inputs, orderEvents, marketData } = await missedInputs(this.opts.logReader!, a, positions);
    for (const m of inputs) await worker.applyDirect(m.event, m.position);
    if (inputs.length)
      this.opts.logger.info(
        { portfolioId: worker.portfolioId, orderEvents, marketData },
        'caught up from own positions',
      );
    return inputs.length;
  }

  private async onWorkerFailure(a: Assignment, f: WorkerFailure): Promise<void> {
    const { stateStore, nodeId, logger } = this.opts;
    this.opts.onFailure?.(f);
    this.opts.metrics?.errors.inc();
    await stateStore
      .recordError?.({
        portfolioId: f.portfolioId,
        epoch: f.epoch,
        nodeId,
        message: f.message,
        ...(f.eventId ? { eventId: f.eventId } : {}),
      })
      .catch((err: unknown) => logger.error({ err }, 'recording a worker error failed'));
    const message = f.stopped
      ? `stopped after ${f.failures} consecutive failures: ${f.message}`
      : `component failed (${f.failures}), restarted from the last saved state: ${f.message}`;
    await this.opts.status.phase?.(
      a.portfolioId,
      a,
      'Degraded',
      f.stopped ? nodeConditionReason.WorkerFailed : nodeConditionReason.WorkerRestarted,
      message,
    );
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
    entry: { worker: W; assignment: Assignment; mark: WatermarkMark },
    reason: string,
  ): Promise<void> {
    if (this.workers.get(portfolioId) === entry) this.workers.delete(portfolioId);
    if (entry.mark.live) entry.mark.frozen = this.routed.of(topics.marketData(entry.assignment.spec.market));
    entry.mark.live = false;
    await entry.worker.stop();
    this.opts.status.forget?.(portfolioId);
    this.opts.logger.info({ portfolioId, reason }, 'portfolio stopped');
  }

  /** Manual cancels for a running portfolio; undefined when it does not run here. */
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
  runningWorkers(): W[] {
    return [...this.workers.values()].map((w) => w.worker);
  }

  /** Deepest queue of any worker (the load the node reports). */
  queueDepth(): number {
    let max = 0;
    for (const { worker } of this.workers.values()) max = Math.max(max, worker.queueDepth);
    return max;
  }

  private async announceInterest(): Promise<void> {
    await this.out.interest(() => this.interest.codes());
  }

  /** Graceful stop: consumers first (no new events), then every worker drains. */
  async stop(): Promise<void> {
    this.started = false;
    clearInterval(this.checkpointTimer);
    await this.inputs.stop();
    for (const id of this.starting.ids()) this.starting.cancel(id);
    for (const id of [...this.workers.keys()]) await this.unassign(id, 'node stopping');
    await this.host.close();
    await this.out.close();
  }
}
