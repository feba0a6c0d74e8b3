import type { CancelOrder, SubmitOrder } from '@ginkgo/contracts';
import type { EngineEvent, HandleResult, PortfolioEngine, PortfolioSnapshot, PortfolioView, SettlementRecord } from '@ginkgo/core';
import type { Logger } from '@ginkgo/platform';
import { BoundedQueue } from './bounded-queue.js';
import { crashPoint } from './fault-injection.js';
import type { PortfolioTotals, StoredPortfolioState } from './portfolio-state-store.js';

/** What a worker does to the outside world, in this order for every event. */
export interface WorkerEffects {
  /** Orders first: a crash before the save replays the event and re-sends the same client order ids. */
  publish(orders: SubmitOrder[], cancels: CancelOrder[]): Promise<void>;
  /** Then state (with the input positions); false means a newer epoch owns the portfolio and this worker must stop. */
  save(state: StoredPortfolioState, totals: PortfolioTotals): Promise<boolean>;
  /** Status for humans (throttled, best effort). */
  report(portfolioId: string, view: PortfolioView, result: HandleResult | undefined): void;
  /** End-of-day record, published before the state is saved (a replay re-publishes the same record). */
  publishSettlement?(record: SettlementRecord): Promise<void>;
}

/** A manual cancel request (S6.11): one order of this portfolio, or every open one. */
export interface CancelRequestInput {
  clientOrderId?: string | undefined;
  all?: boolean | undefined;
  force: boolean;
  reason?: string | undefined;
}

/** Where an input came from: its Kafka topic, partition and offset. */
export interface InputPosition {
  topic: string;
  partition: number;
  offset: string;
}

/** Conflating across partitions would break the per-partition "applied up to" positions. */
const samePartition = (a: InputPosition | undefined, b: InputPosition | undefined) =>
  a === undefined || b === undefined ? a === b : a.topic === b.topic && a.partition === b.partition;

/** skipped: already applied (nothing changed); engine: the engine handled it; recorded: only its position advanced. */
type HandleOutcome = 'skipped' | 'engine' | 'recorded';

/** Events handled before one state save at most (a save per event would bound throughput by the store). */
const MAX_UNSAVED = 200;

export const positionKey = (p: { topic: string; partition: number }) => `${p.topic}:${p.partition}`;

type EventItem = { kind: 'event'; event: EngineEvent; position: InputPosition | undefined; done: () => void; failed: (err: unknown) => void };
type QueueItem =
  | EventItem
  | { kind: 'halt'; halted: boolean; done: () => void; failed: (err: unknown) => void }
  | { kind: 'interest'; codes: string[]; done: () => void; failed: (err: unknown) => void }
  | { kind: 'cancel'; requests: CancelRequestInput[]; done: (message: string) => void; failed: (err: unknown) => void }
  | { kind: 'checkpoint'; done: () => void; failed: (err: unknown) => void };

export interface PortfolioWorkerOptions {
  /** Starts with trading halted (prices do not reach the strategy) until setHalted(false). */
  halted?: boolean;
  portfolioId: string;
  nodeId: string;
  epoch: number;
  engine: PortfolioEngine;
  effects: WorkerEffects;
  logger: Logger;
  queueCapacity: number;
  /** Input positions already applied into the engine's state (from the store). */
  inputPositions?: Record<string, string>;
  /** Reference clock for future-timestamp checks only; event time always comes from the source. */
  now?: () => number;
  onFenced?: (portfolioId: string) => void;
  /** Rebuilds the engine from a snapshot after a component threw (its in-memory state may be half-changed). */
  rebuild?: (snapshot: PortfolioSnapshot) => PortfolioEngine;
  /** Consecutive failures before the worker gives up (S2.10). */
  maxFailures?: number;
  /** Base of the exponential restart backoff, ms. */
  backoffMs?: number;
  onFailure?: (f: WorkerFailure) => void;
  /** Events wait until this resolves (catch-up of missed order events runs first). */
  gate?: Promise<void>;
  onConflated?: () => void;
  /**
   * Offsets the node has routed past (every message at or below was handed to every portfolio wanting it):
   * saved as applied with the state, so a later start re-reads only what this portfolio may have missed.
   */
  watermark?: () => Record<string, string>;
}

export interface WorkerFailure {
  portfolioId: string;
  epoch: number;
  eventId: string | undefined;
  message: string;
  failures: number;
  /** True when the worker gave up and stopped. */
  stopped: boolean;
}

/**
 * Runs one portfolio: a bounded queue in front of its engine, events handled strictly in order.
 * Exactly-once: an input at or before the applied position of its partition is skipped, the engine
 * drops event ids it has seen, and state + positions are saved together after the orders went out.
 */
export class PortfolioWorker {
  private readonly queue: BoundedQueue<QueueItem>;
  private readonly loop: Promise<void>;
  private engineRef: PortfolioEngine;
  private readonly positions: Record<string, string>;
  private lastSnapshot: PortfolioSnapshot;
  /** Positions as last saved: where a replay after a failed effect resumes. */
  private savedPositions: Record<string, string>;
  /** Events handled since the last save (their effects published, state not saved yet), in order. */
  private unsaved: { item: EventItem; now: number | undefined; outcome: HandleOutcome }[] = [];
  private unsavedResult: HandleResult | undefined;
  /**
   * After a failed effect, per input partition: the first offset refused. Later inputs of that partition are
   * refused too until the consumer's replay brings that offset (or an earlier one) again, so nothing is
   * applied across the gap.
   */
  private readonly awaitingReplay = new Map<string, bigint>();
  private fenced = false;
  private gaveUp = false;
  private halted = false;
  /** Interest set changed while running: kept over engine rebuilds (the rebuild uses the spec it started with). */
  private interest: string[] | undefined;
  private failures = 0;
  processed = 0;
  skipped = 0;
  conflated = 0;
  /** Wall time the current event started, for the watchdog (S7.04); undefined while idle. */
  busySince: number | undefined;
  currentEventId: string | undefined;

  constructor(private readonly opts: PortfolioWorkerOptions) {
    this.queue = new BoundedQueue(opts.queueCapacity);
    this.engineRef = opts.engine;
    this.halted = opts.halted ?? false;
    this.positions = { ...(opts.inputPositions ?? {}) };
    this.savedPositions = { ...this.positions };
    this.lastSnapshot = opts.engine.snapshot();
    this.loop = this.run();
  }

  get portfolioId(): string {
    return this.opts.portfolioId;
  }

  get epoch(): number {
    return this.opts.epoch;
  }

  get queueDepth(): number {
    return this.queue.size;
  }

  get queueFull(): boolean {
    return this.queue.full;
  }

  get engine(): PortfolioEngine {
    return this.engineRef;
  }

  get stopped(): boolean {
    return this.fenced || this.gaveUp;
  }

  get isHalted(): boolean {
    return this.halted;
  }

  inputPositions(): Record<string, string> {
    return { ...this.positions };
  }

  /**
   * Queues an event in two steps: `admitted` resolves once it is in the queue (the caller may go on with its
   * next input; while the queue is full it waits, so the consumer stops fetching), `settled` once its effects
   * are durable (orders published, state saved: once per burst of queued events, at most MAX_UNSAVED).
   * Conflation policy (S7.06): a price tick arriving at a full queue replaces the queued, not yet handled tick
   * of the same code — only the latest price per code matters to a strategy — and the replaced one counts as
   * conflated. Order events, fills and session events are never dropped or replaced.
   */
  enqueue(event: EngineEvent, position?: InputPosition): { admitted: Promise<void>; settled: Promise<void> } {
    let done!: () => void;
    let failed!: (err: unknown) => void;
    const settled = new Promise<void>((resolve, reject) => {
      done = resolve;
      failed = reject;
    });
    const item: EventItem = { kind: 'event', event, position, done, failed };
    if (this.queue.full && event.type === 'price') {
      const replaced = this.queue.replaceLast(
        (q) => q.kind === 'event' && q.event.type === 'price' && q.event.code === event.code && samePartition(q.position, position),
        item,
      );
      if (replaced && replaced.kind === 'event') {
        this.conflated++;
        this.opts.onConflated?.();
        replaced.done();
        return { admitted: Promise.resolve(), settled };
      }
    }
    const admitted = this.queue.push(item);
    admitted.catch(failed);
    return { admitted: admitted.catch(() => undefined), settled };
  }

  /** Emergency stop: open orders are cancelled, no price reaches the strategy until lifted. */
  setHalted(halted: boolean): Promise<void> {
    return new Promise<void>((done, failed) => {
      this.queue.push({ kind: 'halt', halted, done, failed }).catch(failed);
    });
  }

  /**
   * New interest set, in order with the events and on a saved state: inputs queued before it are handled
   * under the old set, those after under the new one. The worker, its queue and its state stay as they are.
   */
  setInterest(codes: string[]): Promise<void> {
    return new Promise<void>((done, failed) => {
      this.queue.push({ kind: 'interest', codes: [...codes], done, failed }).catch(failed);
    });
  }

  /**
   * Manual cancels (S6.11), in order with the events: the engine marks each targeted open order, the
   * CancelOrders go out with this worker's epoch, state is saved. Resolves with what was done.
   */
  cancel(requests: CancelRequestInput[]): Promise<string> {
    return new Promise<string>((done, failed) => {
      this.queue.push({ kind: 'cancel', requests, done, failed }).catch(failed);
    });
  }

  /**
   * Saves the node's routed offsets as applied when they moved since the last save (in order with the
   * events), so a later start of an idle portfolio reads little of the log. No status write.
   */
  checkpoint(): Promise<void> {
    return new Promise<void>((done, failed) => {
      this.queue.push({ kind: 'checkpoint', done, failed }).catch(failed);
    });
  }

  /** Applies events outside the queue (catch-up before the gate opens). */
  async applyDirect(event: EngineEvent, position: InputPosition): Promise<void> {
    await this.handle(event, position, true, this.opts.now?.());
  }

  private async run(): Promise<void> {
    await this.opts.gate;
    for (;;) {
      const item = await this.queue.take();
      if (!item) {
        await this.saveUnsaved().catch(() => undefined);
        return;
      }
      if (item.kind === 'event') {
        await this.runEvent(item);
        continue;
      }
      // Halts, cancels and checkpoints act on a saved state.
      try {
        await this.saveUnsaved();
      } catch (err) {
        this.onEffectFailure(undefined, err);
      }
      try {
        if (item.kind === 'cancel') item.done(await this.applyCancel(item.requests));
        else {
          if (item.kind === 'halt') await this.applyHalt(item.halted);
          else if (item.kind === 'interest') this.applyInterest(item.codes);
          else if (!this.stopped && this.mergeWatermark()) await this.persist(undefined, false);
          item.done();
        }
      } catch (err) {
        item.failed(err);
      }
    }
  }

  private async runEvent(item: EventItem): Promise<void> {
    if (this.refusedUntilReplay(item)) return;
    try {
      const now = this.opts.now?.();
      const outcome = await this.handle(item.event, item.position, false, now);
      if (outcome === 'skipped' && this.unsaved.length === 0) item.done();
      else this.unsaved.push({ item, now, outcome });
      if (this.unsaved.length < MAX_UNSAVED) {
        // A burst from the consumer arrives in one turn of the event loop: let it queue up, save once for it.
        if (this.queue.size === 0) await new Promise((r) => setImmediate(r));
        if (this.queue.peek()?.kind === 'event') return;
      }
      await this.saveUnsaved();
    } catch (err) {
      this.onEffectFailure(item, err);
    }
  }

  /** Saves state and positions once for every event handled since the last save, then settles them. */
  private async saveUnsaved(): Promise<void> {
    if (this.unsaved.length === 0) return;
    const batch = this.unsaved;
    // A save that never returns is a stall too (S7.04): the watchdog sees the batch's last event.
    this.busySince = Date.now();
    this.currentEventId = batch.at(-1)?.item.event.eventId;
    try {
      if (batch.some((u) => u.outcome !== 'skipped')) await this.persist(this.unsavedResult);
    } finally {
      this.busySince = undefined;
      this.currentEventId = undefined;
    }
    crashPoint('after-save');
    this.unsaved = [];
    this.unsavedResult = undefined;
    for (const u of batch) u.item.done();
  }

  /**
   * Publishing orders or saving state failed: back to the saved state (engine and positions), and every
   * unsaved or queued input is refused, so the consumers replay them from their last commit — the same
   * orders are derived again (deterministic ids, the gateway drops duplicates), nothing is skipped.
   */
  private onEffectFailure(item: EventItem | undefined, err: unknown): void {
    const refused = [...this.unsaved.map((u) => u.item), ...(item ? [item] : []), ...(this.queue.removeWhere((q) => q.kind === 'event') as EventItem[])];
    this.unsaved = [];
    this.unsavedResult = undefined;
    if (this.opts.rebuild) this.engineRef = this.rebuilt(this.lastSnapshot);
    for (const key of Object.keys(this.positions)) delete this.positions[key];
    Object.assign(this.positions, this.savedPositions);
    this.opts.logger.error(
      { portfolioId: this.opts.portfolioId, err: String(err), refused: refused.length },
      'effect failed: back to the saved state, inputs refused for replay',
    );
    for (const r of refused) this.refuse(r, err);
  }

  private refuse(item: EventItem, err: unknown): void {
    if (item.position) {
      const key = positionKey(item.position);
      const offset = BigInt(item.position.offset);
      const first = this.awaitingReplay.get(key);
      if (first === undefined || offset < first) this.awaitingReplay.set(key, offset);
    }
    item.failed(err);
  }

  /** True when the item was refused: its partition waits for the replay of an earlier refused input. */
  private refusedUntilReplay(item: EventItem): boolean {
    if (!item.position) return false;
    const key = positionKey(item.position);
    const first = this.awaitingReplay.get(key);
    if (first === undefined) return false;
    if (BigInt(item.position.offset) <= first) {
      this.awaitingReplay.delete(key);
      return false;
    }
    item.failed(new Error(`input ${key}@${item.position.offset} refused until ${key}@${first} is replayed`));
    return true;
  }

  private applied(position: InputPosition | undefined): boolean {
    if (!position) return false;
    const at = this.positions[positionKey(position)];
    return at !== undefined && BigInt(position.offset) <= BigInt(at);
  }

  /**
   * Handles one event: engine, then its orders published. With `save` the state is saved at once; otherwise
   * the caller saves later (saveUnsaved).
   */
  private async handle(event: EngineEvent, position: InputPosition | undefined, save: boolean, now: number | undefined): Promise<HandleOutcome> {
    if (this.stopped) return 'skipped';
    if (this.applied(position)) {
      this.skipped++;
      return 'skipped';
    }
    if (event.type === 'order' && !this.engineRef.order(event.clientOrderId)) {
      // The outcome of an order this state has not sent yet: the order was published, then the process
      // died before saving. The replay re-sends the order and the gateway re-sends this outcome; applying
      // it now would mark its event id as seen and lose it. Left unrecorded on purpose.
      this.skipped++;
      this.opts.logger.info({ portfolioId: this.opts.portfolioId, eventId: event.eventId }, 'outcome of an order not in this state yet: deferred to the re-send');
      return 'skipped';
    }
    const { portfolioId, nodeId, epoch } = this.opts;
    this.busySince = Date.now();
    this.currentEventId = event.eventId;
    try {
      let result: HandleResult;
      let outcome: HandleOutcome = 'recorded';
      if (this.halted && event.type === 'price') {
        // Halted: prices do not reach the strategy (no new positions); the input still counts as applied.
        result = { orders: [], cancels: [], signals: [], dropped: [{ eventId: event.eventId, reason: 'trading halted' }], alerts: [] };
      } else {
        try {
          result = this.engineRef.handle(event, now !== undefined ? { now } : {});
          outcome = 'engine';
          this.failures = 0;
        } catch (err) {
          await this.onComponentError(event, err);
          result = { orders: [], cancels: [], signals: [], dropped: [{ eventId: event.eventId, reason: `failed: ${String(err)}` }], alerts: [] };
          if (this.gaveUp) return 'skipped';
        }
      }
      crashPoint('after-handle');
      this.processed++;
      const fence = { epoch, nodeId };
      const orders: SubmitOrder[] = result.orders.map((o) => ({ type: 'submit', ...o, ...fence }));
      const cancels: CancelOrder[] = result.cancels.map((c) => ({ type: 'cancel', ...c, ...fence }));
      if (orders.length || cancels.length) {
        await this.opts.effects.publish(orders, cancels);
        crashPoint('after-publish');
      }
      for (const alert of result.alerts) this.opts.logger.warn({ portfolioId, alert }, 'portfolio alert');
      for (const d of result.dropped) this.opts.logger.debug({ portfolioId, dropped: d }, 'event or signal dropped');
      if (orders.length || cancels.length) {
        this.opts.logger.info({ portfolioId, orders: orders.map((o) => o.clientOrderId), cancels: cancels.map((c) => c.clientOrderId) }, 'orders sent');
      }
      if (result.settlement && this.opts.effects.publishSettlement) await this.opts.effects.publishSettlement(result.settlement);
      if (position) this.positions[positionKey(position)] = position.offset;
      if (save) {
        await this.persist(result);
        crashPoint('after-save');
      } else this.unsavedResult = result;
      return outcome;
    } finally {
      this.busySince = undefined;
      this.currentEventId = undefined;
    }
  }

  /** Takes the node's routed offsets as applied; true when a position moved. */
  private mergeWatermark(): boolean {
    let moved = false;
    for (const [key, offset] of Object.entries(this.opts.watermark?.() ?? {})) {
      const at = this.positions[key];
      if (at === undefined || BigInt(offset) > BigInt(at)) {
        this.positions[key] = offset;
        moved = true;
      }
    }
    return moved;
  }

  private async persist(result: HandleResult | undefined, report = true): Promise<void> {
    const { portfolioId, nodeId, epoch, effects } = this.opts;
    this.mergeWatermark();
    const view = this.engineRef.view();
    const snapshot = this.engineRef.snapshot();
    const saved = await effects.save({ portfolioId, epoch, nodeId, snapshot, inputPositions: { ...this.positions } }, totalsOf(view));
    if (!saved) {
      this.fenced = true;
      this.opts.logger.error({ portfolioId, epoch }, 'a newer epoch owns this portfolio: worker fenced off');
      this.opts.onFenced?.(portfolioId);
      return;
    }
    this.lastSnapshot = snapshot;
    this.savedPositions = { ...this.positions };
    if (report) effects.report(portfolioId, view, result);
  }

  /** A component threw: back to the last saved state, the event is skipped, restart after a backoff (S2.10). */
  private async onComponentError(event: EngineEvent, err: unknown): Promise<void> {
    this.failures++;
    const max = this.opts.maxFailures ?? 3;
    const message = err instanceof Error ? err.message : String(err);
    this.gaveUp = this.failures >= max;
    this.opts.logger.error({ portfolioId: this.opts.portfolioId, eventId: event.eventId, err: message, failures: this.failures }, 'portfolio component threw');
    if (this.opts.rebuild) {
      // Back to the saved state, then the unsaved events of this batch again (deterministic: same state).
      this.engineRef = this.rebuilt(this.lastSnapshot);
      for (const u of this.unsaved) if (u.outcome === 'engine') this.engineRef.handle(u.item.event, u.now !== undefined ? { now: u.now } : {});
    }
    this.opts.onFailure?.({
      portfolioId: this.opts.portfolioId,
      epoch: this.opts.epoch,
      eventId: event.eventId,
      message,
      failures: this.failures,
      stopped: this.gaveUp,
    });
    if (!this.gaveUp) {
      const wait = Math.min((this.opts.backoffMs ?? 200) * 2 ** (this.failures - 1), 10000);
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  private rebuilt(snapshot: PortfolioSnapshot): PortfolioEngine {
    const engine = this.opts.rebuild!(snapshot);
    if (this.interest) engine.setInterestedCodes(this.interest);
    return engine;
  }

  private applyInterest(codes: string[]): void {
    if (this.stopped) return;
    this.interest = codes;
    this.engineRef.setInterestedCodes(codes);
    this.opts.logger.info({ portfolioId: this.opts.portfolioId, codes }, 'interest set changed in place');
  }

  private async applyHalt(halted: boolean): Promise<void> {
    if (this.stopped || halted === this.halted) return;
    this.halted = halted;
    if (!halted) return;
    const { portfolioId, nodeId, epoch } = this.opts;
    const view = this.engineRef.view();
    const ts = view.lastEventTs ?? 0;
    const cancels: CancelOrder[] = [];
    for (const o of view.openOrders) {
      const r = this.engineRef.requestCancel(o.clientOrderId, ts, false, 'trading halted');
      if ('error' in r) this.opts.logger.warn({ portfolioId, clientOrderId: o.clientOrderId, error: r.error }, 'cancel on halt refused');
      else cancels.push({ type: 'cancel', ...r, epoch, nodeId });
    }
    if (cancels.length) await this.opts.effects.publish([], cancels);
    this.opts.logger.warn({ portfolioId, cancels: cancels.map((c) => c.clientOrderId) }, 'trading halted: open orders cancelled');
    await this.persist(undefined);
  }

  private async applyCancel(requests: CancelRequestInput[]): Promise<string> {
    if (this.stopped) return 'portfolio not running on this node';
    const { portfolioId, nodeId, epoch } = this.opts;
    const ts = this.engineRef.view().lastEventTs ?? 0;
    const cancels: CancelOrder[] = [];
    const notes: string[] = [];
    for (const r of requests) {
      const targets = r.all ? this.engineRef.view().openOrders.map((o) => o.clientOrderId) : r.clientOrderId ? [r.clientOrderId] : [];
      if (r.all && targets.length === 0) notes.push('no open orders');
      for (const id of targets) {
        const c = this.engineRef.requestCancel(id, ts, r.force, r.reason ?? 'manual cancel');
        // An unknown or already closed order is not an error: it is simply not open any more.
        if ('error' in c) notes.push(`${id} not cancelled: ${c.error}`);
        else cancels.push({ type: 'cancel', ...c, epoch, nodeId });
      }
    }
    if (cancels.length) await this.opts.effects.publish([], cancels);
    this.opts.logger.warn({ portfolioId, cancels: cancels.map((c) => c.clientOrderId), notes }, 'manual cancel requests handled');
    await this.persist(undefined);
    const force = cancels.some((c) => c.force) ? ' (force)' : '';
    const sent = cancels.length ? `cancel sent for ${cancels.map((c) => c.clientOrderId).join(', ')}${force}` : 'no cancel sent';
    return [sent, ...notes].join('; ').slice(0, 1000);
  }

  /**
   * Stops taking events, finishes the queued ones (their effects included), then saves once more if the
   * node routed past inputs since the last save (a successor then reads only what it may have missed).
   */
  async stop(): Promise<void> {
    this.queue.close();
    await this.loop;
    if (!this.stopped && this.mergeWatermark()) {
      await this.persist(undefined, false).catch((err: unknown) =>
        this.opts.logger.warn({ portfolioId: this.opts.portfolioId, err: String(err) }, 'final checkpoint not saved'),
      );
    }
  }
}

export function totalsOf(view: PortfolioView): PortfolioTotals {
  return {
    cash: view.cash,
    equity: view.equity,
    positions: view.positions.map((p) => ({
      code: p.code,
      volume: p.volume,
      sellable: p.sellable,
      avgCostMinor: p.avgCostMinor,
    })),
  };
}
