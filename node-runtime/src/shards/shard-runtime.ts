import type { ComponentRegistry, MarketRules } from '@ginkgo/core';
import type { Logger } from '@ginkgo/platform';
import { portfolioEngine } from '../worker/local-worker-host.js';
import { PortfolioWorker } from '../worker/portfolio-worker.js';
import type { WorkerEffects } from '../worker/worker-options.js';
import { Outbox, Requests, answerOf } from './shard-channel.js';
import {
  errorText,
  type ControlOp,
  type EffectCall,
  type FromShard,
  type Signal,
  type ToShard,
  type WorkerStats,
} from './shard-protocol.js';

interface Hosted {
  worker: PortfolioWorker;
  openGate: () => void;
  /** The offsets the node last said this worker may save as applied. */
  watermark: Record<string, string>;
}

type StartItem = Extract<ToShard, { t: 'start' }>;
type EventEntry = Extract<ToShard, { t: 'event' }>;

/** How often the shard tells the node's thread its workers' figures (watchdog, metrics, load). */
const STATS_EVERY_MS = 250;

/**
 * One shard, on its worker thread: runs `PortfolioWorker`s as the node's thread would — same queue, same
 * order, same saves — with their effects (orders, state saves, status) carried out by the node's thread, which
 * keeps the producer, the fencing by Lease and the store's group commit. Inputs are taken strictly in the order
 * they were routed; answers from the node's thread are taken at once (a worker waiting for its save must not
 * wait behind the events queued for it).
 */
export class ShardRuntime {
  private readonly workers = new Map<string, Hosted>();
  private readonly out: Outbox<FromShard>;
  private readonly calls = new Requests();
  private inbound: Promise<void> = Promise.resolve();
  private settledOk: number[] = [];
  private settledFailed: [number, string][] = [];
  private admittedSeq = -1;
  private admittedPending = false;
  private readonly statsTimer: NodeJS.Timeout;

  constructor(
    private readonly opts: {
      registry: ComponentRegistry;
      marketRules?: Readonly<Record<string, MarketRules>>;
      logger: Logger;
      post: (items: FromShard[]) => void;
    },
  ) {
    this.out = new Outbox(opts.post);
    this.statsTimer = setInterval(() => this.sendStats(), STATS_EVERY_MS);
    this.statsTimer.unref();
  }

  /** One array of messages from the node's thread. */
  receive(items: ToShard[]): void {
    const ordered: ToShard[] = [];
    for (const m of items) {
      if (m.t === 'answer') this.calls.answer(m);
      else if (m.t === 'watermarks') for (const [pid, wm] of m.marks) this.setWatermark(pid, wm);
      else ordered.push(m);
    }
    if (ordered.length === 0) return;
    this.inbound = this.inbound.then(() => this.apply(ordered));
  }

  close(): void {
    clearInterval(this.statsTimer);
  }

  private setWatermark(pid: string, wm: Record<string, string>): void {
    const h = this.workers.get(pid);
    if (h) h.watermark = wm;
  }

  private async apply(items: ToShard[]): Promise<void> {
    for (const m of items) {
      if (m.t === 'event') await this.route(m);
      else if (m.t === 'start') this.answerLater(m.id, () => this.startWorker(m));
      else if (m.t === 'open') this.workers.get(m.pid)?.openGate();
      else if (m.t === 'direct')
        this.answerLater(m.id, () => this.hosted(m.pid).worker.applyDirect(m.event, m.position));
      else if (m.t === 'control') this.answerLater(m.id, () => this.control(m.pid, m.op));
    }
  }

  /** Queues the work now (in order with what follows); its answer goes out when it is done. */
  private answerLater(id: number, work: () => Promise<unknown>): void {
    void answerOf(id, work).then((a) => this.out.push(a));
  }

  private hosted(pid: string): Hosted {
    const h = this.workers.get(pid);
    if (!h) throw new Error(`portfolio ${pid} does not run on this shard`);
    return h;
  }

  /** Into each worker's queue, in order; settled once durable at every one of them. */
  private async route(m: EventEntry): Promise<void> {
    const settles: Promise<void>[] = [];
    for (const pid of m.pids) {
      const h = this.workers.get(pid);
      if (!h) {
        settles.push(Promise.reject(new Error(`portfolio ${pid} does not run on this shard`)));
        continue;
      }
      // Room in the queue: the event is in it at once; only a full queue holds the shard's inputs back.
      const full = h.worker.queueFull;
      const q = h.worker.enqueue(m.event, m.position);
      settles.push(q.settled);
      if (full) await q.admitted;
    }
    this.admittedSeq = m.seq;
    if (!this.admittedPending) {
      // One admitted message per turn, with the newest entry admitted.
      this.admittedPending = true;
      setImmediate(() => {
        this.admittedPending = false;
        this.out.push({ t: 'admitted', seq: this.admittedSeq });
      });
    }
    Promise.all(settles).then(
      () => this.settled(m.seq),
      (err: unknown) => this.settled(m.seq, err),
    );
  }

  private settled(seq: number, err?: unknown): void {
    if (err === undefined) this.settledOk.push(seq);
    else this.settledFailed.push([seq, errorText(err)]);
    if (this.settledOk.length + this.settledFailed.length > 1) return;
    // One settled message per turn, with every entry settled in it.
    setImmediate(() => {
      const ok = this.settledOk;
      const failed = this.settledFailed;
      this.settledOk = [];
      this.settledFailed = [];
      this.out.push({ t: 'settled', ok, failed });
    });
  }

  private async control(pid: string, op: ControlOp): Promise<unknown> {
    const h = this.hosted(pid);
    switch (op.kind) {
      case 'halt':
        return h.worker.setHalted(op.halted);
      case 'interest':
        return h.worker.setInterest(op.codes);
      case 'cancel':
        return h.worker.cancel(op.requests);
      case 'checkpoint':
        return h.worker.checkpoint();
      case 'stop':
        h.openGate();
        await h.worker.stop();
        if (this.workers.get(pid) === h) this.workers.delete(pid);
        return undefined;
    }
  }

  private startWorker(m: StartItem): Promise<unknown> {
    const { options: o } = m;
    const pid = o.portfolioId;
    if (this.workers.has(pid)) throw new Error(`portfolio ${pid} already runs on this shard`);
    const { engine, rebuild } = portfolioEngine(m, this.opts.registry, this.opts.marketRules);
    let openGate!: () => void;
    const gate = new Promise<void>((r) => (openGate = r));
    const hosted: Partial<Hosted> & { watermark: Record<string, string> } = { watermark: {}, openGate };
    const signal = (s: Signal) => this.out.push({ t: 'signal', pid, signal: s });
    const { wallClock, ...data } = o;
    const worker = new PortfolioWorker({
      ...data,
      ...(wallClock ? { now: () => Date.now() } : {}),
      engine,
      rebuild,
      logger: this.opts.logger,
      gate,
      watermark: () => hosted.watermark,
      effects: this.effects(pid),
      onFenced: () => signal({ kind: 'fenced' }),
      onFailure: (failure) => signal({ kind: 'failure', failure }),
      onConflated: () => signal({ kind: 'conflated' }),
      onFills: (count) => signal({ kind: 'fills', count }),
      onDuplicate: () => signal({ kind: 'duplicate' }),
    });
    this.workers.set(pid, { ...hosted, worker } as Hosted);
    return Promise.resolve({ snapshot: engine.snapshot(), view: engine.view() });
  }

  /** A worker's effects, carried out by the node's thread. */
  private effects(pid: string): WorkerEffects {
    const call = <T>(c: EffectCall): Promise<T> => {
      const { id, answered } = this.calls.open<T>();
      this.out.push({ t: 'call', id, pid, ...c });
      // Orders are on the tick-to-order path: out now (with everything before them, in order), not next turn.
      if (c.op === 'publish') this.out.flush();
      return answered;
    };
    return {
      publish: (orders, cancels) => call<void>({ op: 'publish', orders, cancels }),
      save: (state, totals) => call<boolean>({ op: 'save', state, totals }),
      report: (_id, view, result) => this.out.push({ t: 'report', pid, view, result }),
      publishSettlement: (record) => call<void>({ op: 'settlement', record }),
    };
  }

  private sendStats(): void {
    if (this.workers.size === 0) return;
    const workers: WorkerStats[] = [];
    for (const [pid, { worker: w }] of this.workers)
      workers.push({
        pid,
        queueDepth: w.queueDepth,
        stopped: w.stopped,
        processed: w.processed,
        fills: w.fillsApplied,
        busySince: w.busySince,
        currentEventId: w.currentEventId,
        dayStartEquity: w.dayStartEquity(),
      });
    this.out.push({ t: 'stats', workers });
  }
}
