import { Worker } from 'node:worker_threads';
import type { EngineEvent, HandleResult, PortfolioSnapshot, PortfolioView } from '@ginkgo/core';
import type { Logger } from '@ginkgo/platform';
import type { InputPosition } from '../worker/input-position.js';
import type { StartedWorker, WorkerStart } from '../worker/worker-handle.js';
import { Outbox, Requests, answerOf } from './shard-channel.js';
import {
  shardWorkerOptions,
  type ControlOp,
  type EffectCall,
  type FromShard,
  type ShardSetupRef,
  type Signal,
  type ToShard,
} from './shard-protocol.js';
import { RemoteWorker, type ShardPort } from './remote-worker.js';
import { builtUrl } from './shard-setup.js';

/** Event entries sent but not yet in their workers' queues before the consumer is held back. */
const MAX_UNADMITTED = 5000;
/** No figures from a shard for this long: its loop is blocked (it reports every 250 ms). */
const SILENT_AFTER_MS = 1000;

type Queued = { admitted: Promise<void>; settled: Promise<void> };
const RESOLVED = Promise.resolve();

const threadEntry = () => new URL('./shard-thread.js', builtUrl(import.meta.url));

/**
 * The node thread's end of one shard: starts the worker thread, sends it inputs and control items in one
 * ordered stream (a routed tick once per shard, with the portfolios it is for), and carries out the effects
 * its workers ask for (orders, saves, status) with the node's own producer, fencing and store.
 */
export class ShardLink implements ShardPort {
  readonly workers = new Map<string, RemoteWorker>();
  private readonly thread: Worker;
  private readonly out: Outbox<ToShard>;
  private readonly requests = new Requests();
  private readonly entries = new Map<number, { settle: () => void; fail: (err: Error) => void; pids: string[] }>();
  /** When the shard last reported its workers' figures (it does every 250 ms while its loop turns). */
  private lastStatsAt = Date.now();
  private seq = 0;
  private admitted = -1;
  private readonly creditWaiters: { seq: number; go: () => void }[] = [];
  /** The last event entry while it is still in the outbox: more portfolios of the same input join it. */
  private tail:
    { event: EngineEvent; position: InputPosition | undefined; item: { pids: string[] }; queued: Queued } | undefined;
  private closing = false;
  /** Starts asked for and not answered yet (they count for the balance, like running portfolios). */
  private starting = 0;
  readonly ready: Promise<void>;

  constructor(
    readonly index: number,
    opts: { nodeId: string; setup: ShardSetupRef; logger: Logger; onFatal: (err: Error) => void },
  ) {
    this.thread = new Worker(threadEntry(), {
      workerData: { shard: index, nodeId: opts.nodeId, setup: opts.setup, logLevel: opts.logger.level },
    });
    this.out = new Outbox((items) => {
      this.tail = undefined;
      this.thread.postMessage(items);
    });
    let readyOk!: () => void;
    let readyFailed!: (err: Error) => void;
    this.ready = new Promise<void>((res, rej) => ((readyOk = res), (readyFailed = rej)));
    const boot = { done: false };
    this.thread.on('message', (items: FromShard[]) => {
      if (!boot.done) {
        boot.done = true;
        readyOk();
      }
      for (const m of items) this.receive(m);
    });
    const lost = (err: Error) => {
      this.requests.failAll(err);
      for (const e of this.entries.values()) e.fail(err);
      this.entries.clear();
      if (!boot.done) {
        boot.done = true;
        readyFailed(err);
      } else if (!this.closing) opts.onFatal(err);
    };
    this.thread.on('error', (err) => lost(err));
    this.thread.on('exit', (code) => lost(new Error(`shard ${index} thread exited with code ${code}`)));
  }

  async start(s: WorkerStart): Promise<StartedWorker<RemoteWorker>> {
    const { id, answered } = this.requests.open<{ snapshot: PortfolioSnapshot; view: PortfolioView }>();
    const o = s.options;
    this.push({
      t: 'start',
      id,
      assignment: s.assignment,
      ...(s.stored ? { stored: s.stored } : {}),
      orderSeqAfter: s.orderSeqAfter,
      options: shardWorkerOptions(o),
    });
    this.starting++;
    const { snapshot, view } = await answered.finally(() => this.starting--);
    const worker = new RemoteWorker(o, this, view);
    this.workers.set(o.portfolioId, worker);
    void o.gate?.then(() => this.push({ t: 'open', pid: o.portfolioId }));
    return { worker, snapshot, view };
  }

  enqueue(pid: string, event: EngineEvent, position?: InputPosition): Queued {
    const tail = this.tail;
    if (tail && tail.event === event && tail.position === position) {
      tail.item.pids.push(pid);
      return tail.queued;
    }
    const seq = this.seq++;
    const pids = [pid];
    const settled = new Promise<void>((settle, fail) => this.entries.set(seq, { settle, fail, pids }));
    const admitted =
      seq - this.admitted > MAX_UNADMITTED ? new Promise<void>((go) => this.creditWaiters.push({ seq, go })) : RESOLVED;
    const item = { t: 'event' as const, seq, event, ...(position ? { position } : {}), pids };
    this.push(item);
    const queued = { admitted, settled };
    this.tail = { event, position, item, queued };
    return queued;
  }

  /** Portfolios on this shard, running or starting. */
  get load(): number {
    return this.workers.size + this.starting;
  }

  direct(pid: string, event: EngineEvent, position: InputPosition): Promise<void> {
    const { id, answered } = this.requests.open<void>();
    this.push({ t: 'direct', id, pid, event, position });
    return answered;
  }

  control<T>(worker: RemoteWorker, op: ControlOp): Promise<T> {
    // A checkpoint or a stop saves the offsets the node has routed: send the freshest first.
    if (op.kind === 'checkpoint' || op.kind === 'stop') this.sendWatermarks([worker]);
    const { id, answered } = this.requests.open<T>();
    this.push({ t: 'control', id, pid: worker.portfolioId, op });
    if (op.kind !== 'stop') return answered;
    return answered.finally(() => {
      if (this.workers.get(worker.portfolioId) === worker) this.workers.delete(worker.portfolioId);
    });
  }

  /** Sends the workers' watermarks that changed since last sent. */
  sendWatermarks(workers: Iterable<RemoteWorker> = this.workers.values()): void {
    const marks: [string, Record<string, string>][] = [];
    for (const w of workers) {
      const wm = w.options.watermark?.() ?? {};
      const json = JSON.stringify(wm);
      if (json === w.sentWatermark) continue;
      w.sentWatermark = json;
      marks.push([w.portfolioId, wm]);
    }
    if (marks.length) this.push({ t: 'watermarks', marks });
  }

  /**
   * A shard whose loop is blocked (a component in an endless loop) reports nothing: its workers with inputs
   * waiting count as busy since its last report, so the watchdog sees the stall as it would on one thread.
   */
  noteSilence(now = Date.now()): void {
    if (now - this.lastStatsAt < SILENT_AFTER_MS) return;
    for (const e of this.entries.values())
      for (const pid of e.pids) this.workers.get(pid)?.silent(this.lastStatsAt, 'its worker thread does not answer');
  }

  async close(): Promise<void> {
    this.closing = true;
    this.out.flush();
    await this.thread.terminate();
  }

  private push(m: ToShard): void {
    if (m.t !== 'event') this.tail = undefined;
    this.out.push(m);
  }

  private receive(m: FromShard): void {
    switch (m.t) {
      case 'answer':
        this.requests.answer(m);
        return;
      case 'admitted':
        this.admitted = m.seq;
        while (this.creditWaiters.length && this.creditWaiters[0]!.seq - this.admitted <= MAX_UNADMITTED)
          this.creditWaiters.shift()!.go();
        return;
      case 'settled':
        for (const seq of m.ok) this.settle(seq);
        for (const [seq, error] of m.failed) this.settle(seq, new Error(error));
        return;
      case 'call':
        void this.call(m.id, m.pid, m).then((a) => this.push(a));
        return;
      case 'report': {
        const w = this.workers.get(m.pid);
        w?.reported(m.view);
        w?.options.effects.report(m.pid, m.view, m.result as HandleResult | undefined);
        return;
      }
      case 'signal':
        this.signal(m.pid, m.signal);
        return;
      case 'stats':
        this.lastStatsAt = Date.now();
        for (const s of m.workers) this.workers.get(s.pid)?.updated(s);
        return;
    }
  }

  private settle(seq: number, err?: Error): void {
    const e = this.entries.get(seq);
    if (!e) return;
    this.entries.delete(seq);
    if (err) e.fail(err);
    else e.settle();
  }

  private call(id: number, pid: string, c: EffectCall) {
    return answerOf(id, async () => {
      const w = this.workers.get(pid);
      if (!w) throw new Error(`portfolio ${pid} is not running on shard ${this.index}`);
      const { effects } = w.options;
      if (c.op === 'publish') return effects.publish(c.orders, c.cancels);
      if (c.op === 'save') return effects.save(c.state, c.totals);
      return effects.publishSettlement?.(c.record);
    });
  }

  private signal(pid: string, s: Signal): void {
    const o = this.workers.get(pid)?.options;
    if (!o) return;
    if (s.kind === 'fenced') o.onFenced?.(pid);
    else if (s.kind === 'failure') o.onFailure?.(s.failure);
    else if (s.kind === 'conflated') o.onConflated?.();
    else if (s.kind === 'fills') o.onFills?.(s.count);
    else o.onDuplicate?.();
  }
}
