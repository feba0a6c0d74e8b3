import type { EngineEvent, HandleResult, PortfolioEngine, PortfolioSnapshot, PortfolioView } from '@ginkgo/core';
import { DUPLICATE_EVENT } from '@ginkgo/core';
import { crashPoint } from '../fault-injection.js';
import type { InputPosition } from './input-position.js';
import { ReplayBarrier } from './replay-barrier.js';
import { cancelOpenOrdersOnHalt, sendManualCancels, type CancelRequestInput } from './order-interventions.js';
import { droppedResult, publishEffects } from './event-effects.js';
import { RestartPolicy } from './restart-policy.js';
import { StateSaver } from './state-saver.js';
import { WorkerQueue, type EventItem } from './worker-queue.js';
import type { PortfolioWorkerOptions } from './worker-options.js';
import type { WorkerHandle } from './worker-handle.js';

/** skipped: already applied (nothing changed); engine: the engine handled it; recorded: only its position advanced. */
type HandleOutcome = 'skipped' | 'engine' | 'recorded';

/** Events handled before one state save at most (a save per event would bound throughput by the store). */
const MAX_UNSAVED = 200;

/**
 * Runs one portfolio: a bounded queue in front of its engine, events handled strictly in order.
 * Exactly-once: an input at or before the applied position of its partition is skipped, the engine
 * drops event ids it has seen, and state + positions are saved together after the orders went out.
 * This class drains the queue and batches the saves; the queue, publishing, saving and the restart
 * policy have their own modules.
 */
export class PortfolioWorker implements WorkerHandle {
  private readonly queue: WorkerQueue;
  private readonly loop: Promise<void>;
  private engineRef: PortfolioEngine;
  private readonly saver: StateSaver;
  private readonly restart: RestartPolicy;
  /** Events handled since the last save (their effects published, state not saved yet), in order. */
  private unsaved: { item: EventItem; now: number | undefined; outcome: HandleOutcome }[] = [];
  private unsavedResult: HandleResult | undefined;
  /** Partitions whose inputs wait for the consumer's replay after a failed effect. */
  private readonly replay = new ReplayBarrier();
  private halted = false;
  private fills = 0;
  /** Interest set changed while running: kept over engine rebuilds (the rebuild uses the spec it started with). */
  private interest: string[] | undefined;
  processed = 0;
  skipped = 0;
  conflated = 0;
  /** Wall time the current event (or save) started, so the watchdog can report a stall; undefined while idle. */
  busySince: number | undefined;
  currentEventId: string | undefined;

  constructor(private readonly opts: PortfolioWorkerOptions) {
    this.queue = new WorkerQueue(opts.queueCapacity, () => {
      this.conflated++;
      this.opts.onConflated?.();
    });
    this.engineRef = opts.engine;
    this.halted = opts.halted ?? false;
    this.saver = new StateSaver(opts, opts.engine.snapshot());
    this.restart = new RestartPolicy(opts);
    this.loop = this.run();
  }

  get portfolioId(): string {
    return this.opts.portfolioId;
  }

  get epoch(): number {
    return this.opts.epoch;
  }

  /** Fills applied by this worker since it started (a per-portfolio counter for the metrics). */
  get fillsApplied(): number {
    return this.fills;
  }

  private countFills(n: number): void {
    if (n <= 0) return;
    this.fills += n;
    this.opts.onFills?.(n);
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

  view(): PortfolioView {
    return this.engineRef.view();
  }

  dayStartEquity(): number {
    return this.engineRef.dayStartEquity();
  }

  get stopped(): boolean {
    return this.saver.fenced || this.restart.gaveUp;
  }

  get isHalted(): boolean {
    return this.halted;
  }

  inputPositions(): Record<string, string> {
    return this.saver.positions.snapshot();
  }

  /**
   * Queues an event in two steps: `admitted` resolves once it is in the queue (the caller may go on with its
   * next input; while the queue is full it waits, so the consumer stops fetching), `settled` once its effects
   * are durable (orders published, state saved: once per burst of queued events, at most MAX_UNSAVED).
   * Conflation: a price tick arriving at a full queue replaces the queued, not yet handled tick
   * of the same code — only the latest price per code matters to a strategy — and the replaced one counts as
   * conflated. Order events, fills and session events are never dropped or replaced.
   */
  enqueue(event: EngineEvent, position?: InputPosition): { admitted: Promise<void>; settled: Promise<void> } {
    return this.queue.enqueue(event, position);
  }

  /** Emergency stop: open orders are cancelled, no price reaches the strategy until lifted. */
  setHalted(halted: boolean): Promise<void> {
    return this.queue.control((done, failed) => ({ kind: 'halt', halted, done, failed }));
  }

  /**
   * New interest set, in order with the events and on a saved state: inputs queued before it are handled
   * under the old set, those after under the new one. The worker, its queue and its state stay as they are.
   */
  setInterest(codes: string[]): Promise<void> {
    return this.queue.control((done, failed) => ({ kind: 'interest', codes: [...codes], done, failed }));
  }

  /**
   * Manual cancels, in order with the events: the engine marks each targeted open order, the
   * CancelOrders go out with this worker's epoch, state is saved. Resolves with what was done.
   */
  cancel(requests: CancelRequestInput[]): Promise<string> {
    return this.queue.control<string>((done, failed) => ({ kind: 'cancel', requests, done, failed }));
  }

  /**
   * Saves the node's routed offsets as applied when they moved since the last save (in order with the
   * events), so a later start of an idle portfolio reads little of the log. No status write.
   */
  checkpoint(): Promise<void> {
    return this.queue.control((done, failed) => ({ kind: 'checkpoint', done, failed }));
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
          else if (!this.stopped && this.saver.mergeWatermark()) await this.persist(undefined, false);
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
    // A save that never returns is a stall too: the watchdog sees the batch's last event.
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
    const refused = [...this.unsaved.map((u) => u.item), ...(item ? [item] : []), ...this.queue.removeEvents()];
    this.unsaved = [];
    this.unsavedResult = undefined;
    if (this.opts.rebuild) this.engineRef = this.rebuilt(this.saver.lastSnapshot);
    this.saver.positions.resetToSaved();
    this.opts.logger.error(
      { portfolioId: this.opts.portfolioId, err, refused: refused.length },
      'effect failed: back to the saved state, inputs refused for replay',
    );
    for (const r of refused) {
      this.replay.refused(r.position);
      r.failed(err);
    }
  }

  /** True when the item was refused: its partition waits for the replay of an earlier refused input. */
  private refusedUntilReplay(item: EventItem): boolean {
    const blocked = this.replay.blocks(item.position);
    if (blocked) item.failed(blocked);
    return blocked !== undefined;
  }

  /**
   * Handles one event: engine, then its orders published. With `save` the state is saved at once; otherwise
   * the caller saves later (saveUnsaved).
   */
  private async handle(
    event: EngineEvent,
    position: InputPosition | undefined,
    save: boolean,
    now: number | undefined,
  ): Promise<HandleOutcome> {
    if (this.stopped) return 'skipped';
    if (this.saver.positions.has(position)) {
      this.skipped++;
      return 'skipped';
    }
    if (event.type === 'order' && !this.engineRef.order(event.clientOrderId)) {
      // The outcome of an order this state has not sent yet: the order was published, then the process
      // died before saving. The replay re-sends the order and the gateway re-sends this outcome; applying
      // it now would mark its event id as seen and lose it. Left unrecorded on purpose.
      this.skipped++;
      this.opts.logger.info(
        { portfolioId: this.opts.portfolioId, eventId: event.eventId },
        'outcome of an order not in this state yet: deferred to the re-send',
      );
      return 'skipped';
    }
    this.busySince = Date.now();
    this.currentEventId = event.eventId;
    try {
      let result: HandleResult;
      let outcome: HandleOutcome = 'recorded';
      if (this.halted && event.type === 'price') {
        // Halted: prices do not reach the strategy (no new positions); the input still counts as applied.
        result = droppedResult(event.eventId, 'trading halted');
      } else {
        try {
          const fillsBefore =
            event.type === 'order' ? (this.engineRef.order(event.clientOrderId)?.fillIds.length ?? 0) : 0;
          result = this.engineRef.handle(event, now !== undefined ? { now } : {});
          if (event.type === 'order')
            this.countFills((this.engineRef.order(event.clientOrderId)?.fillIds.length ?? 0) - fillsBefore);
          outcome = 'engine';
          if (result.dropped.some((d) => d.eventId === event.eventId && d.reason === DUPLICATE_EVENT))
            this.opts.onDuplicate?.();
          this.restart.succeeded();
        } catch (err) {
          await this.restart.failed(event, err, () => this.restoreSaved());
          result = droppedResult(event.eventId, `failed: ${String(err)}`);
          if (this.restart.gaveUp) return 'skipped';
        }
      }
      crashPoint('after-handle');
      this.processed++;
      await publishEffects(result, this.opts);
      if (position) this.saver.positions.advance(position);
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

  /** After a component threw: back to the saved state, then the unsaved events of this batch again. */
  private restoreSaved(): void {
    if (!this.opts.rebuild) return;
    // Deterministic: the same events on the same state give the same state.
    this.engineRef = this.rebuilt(this.saver.lastSnapshot);
    for (const u of this.unsaved)
      if (u.outcome === 'engine') this.engineRef.handle(u.item.event, u.now !== undefined ? { now: u.now } : {});
  }

  private persist(result: HandleResult | undefined, report = true): Promise<void> {
    return this.saver.save(this.engineRef, result, report);
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
    await cancelOpenOrdersOnHalt(this.engineRef, this.opts);
    await this.persist(undefined);
  }

  private async applyCancel(requests: CancelRequestInput[]): Promise<string> {
    if (this.stopped) return 'portfolio not running on this node';
    const message = await sendManualCancels(this.engineRef, requests, this.opts);
    await this.persist(undefined);
    return message;
  }

  /**
   * Stops taking events, finishes the queued ones (their effects included), then saves once more if the
   * node routed past inputs since the last save (a successor then reads only what it may have missed).
   */
  async stop(): Promise<void> {
    this.queue.close();
    await this.loop;
    if (!this.stopped && this.saver.mergeWatermark()) {
      await this.persist(undefined, false).catch((err: unknown) =>
        this.opts.logger.warn({ portfolioId: this.opts.portfolioId, err }, 'final checkpoint not saved'),
      );
    }
  }
}
