import { apiStatusCode, type Logger } from '@ginkgo/platform';

/** How a failed run is retried: a conflict soon, anything else with backoff (quietly when it is expected). */
export type FailureKind = 'conflict' | 'lost_answer' | 'error';

/**
 * node-fetch (under @kubernetes/client-node) reports "Premature close" for a chunked answer whose keep-alive
 * socket was already handed to the next request: the write was answered, only its body was lost. withKeepAlive
 * prevents it (0 in the 10k bench, was 1-3% of writes); should another client lose an answer, the retry decides
 * on the cache (or 409 -> refetch), so it is not worth a warning.
 */
const isLostAnswer = (err: unknown) => String(err).includes('Premature close');

/** 409: our copy was stale (the writer refetched it); a lost answer; anything else. */
export function failureKind(err: unknown): FailureKind {
  return apiStatusCode(err) === 409 ? 'conflict' : isLostAnswer(err) ? 'lost_answer' : 'error';
}

/** The queue's instruments (the operator's metrics fit; tests pass their own). */
export interface WorkQueueMetrics {
  queueDepth: { set(labels: Record<string, string>, value: number): void };
  reconciles: { inc(labels: Record<string, string>, by?: number): void };
  reconcileSeconds: { inc(labels: Record<string, string>, by?: number): void };
}

export interface WorkQueueOptions {
  /** The work for one key; a rejection retries the key with backoff. */
  process: (key: string) => Promise<void>;
  /** Most keys processed at once. */
  concurrency: number;
  /** A run that has not settled after this long counts as failed (default 30 s). */
  timeoutMs?: number;
  logger: Logger;
  metrics: WorkQueueMetrics;
}

/** Backoff after the n-th failure in a row of one key: 200 ms doubling, at most 30 s. */
export const retryDelayMs = (failures: number) => Math.min(30000, 200 * 2 ** Math.min(failures - 1, 8));
/** A conflict means our copy was stale and has been refetched: retry almost at once. */
export const conflictRetryMs = 20;

/** Rejects after `ms` if `p` has not settled (the work itself cannot be cancelled). */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A work queue of keys (portfolio names). A key waits at most once however often it is added; a key being
 * processed is never processed a second time at once: added meanwhile, it runs again right after. At most
 * `concurrency` keys run at a time, in the order they were added. A failed key retries after its own backoff;
 * a success resets it. The queue does nothing until started, and stop() drops what waits and every retry.
 */
export class WorkQueue {
  private running = false;
  private readonly queue = new Set<string>();
  private readonly inFlight = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private workers = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly opts: WorkQueueOptions) {}

  get active(): boolean {
    return this.running;
  }

  /** Keys waiting (not those running). */
  get depth(): number {
    return this.queue.size;
  }

  start(): void {
    this.running = true;
  }

  /** Drops the waiting keys and the retries; runs in progress finish (see idle()). */
  stop(): void {
    this.running = false;
    this.queue.clear();
    this.dirty.clear();
    for (const t of this.retryTimers.values()) clearTimeout(t);
    this.retryTimers.clear();
    this.opts.metrics.queueDepth.set({}, 0);
  }

  add(key: string): void {
    if (!this.running) return;
    if (this.inFlight.has(key)) {
      this.dirty.add(key);
      return;
    }
    this.queue.add(key);
    this.opts.metrics.queueDepth.set({}, this.queue.size);
    this.pump();
  }

  /** Adds the key again after `ms`, unless a retry or recheck of it is pending already. */
  addAfter(key: string, ms: number): void {
    if (!this.running || this.retryTimers.has(key)) return;
    this.schedule(key, ms);
  }

  /** Resolves when no run is in progress or waiting. */
  idle(): Promise<void> {
    if (this.workers === 0 && this.queue.size === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private schedule(key: string, ms: number): void {
    this.retryTimers.set(
      key,
      setTimeout(() => {
        this.retryTimers.delete(key);
        this.add(key);
      }, ms),
    );
  }

  private pump(): void {
    while (this.running && this.workers < this.opts.concurrency && this.queue.size) {
      const key = this.queue.values().next().value as string;
      this.queue.delete(key);
      this.inFlight.add(key);
      this.workers++;
      const started = process.hrtime.bigint();
      void withTimeout(this.opts.process(key), this.opts.timeoutMs ?? 30000, `reconcile of ${key}`)
        .then(
          () => {
            this.failures.delete(key);
            this.opts.metrics.reconciles.inc({ result: 'ok' });
          },
          (err: unknown) => this.failed(key, err),
        )
        .finally(() => {
          this.opts.metrics.reconcileSeconds.inc({}, Number(process.hrtime.bigint() - started) / 1e9);
          this.workers--;
          this.inFlight.delete(key);
          if (this.dirty.delete(key)) this.queue.add(key);
          this.opts.metrics.queueDepth.set({}, this.queue.size);
          this.pump();
          if (this.workers === 0 && this.queue.size === 0) this.wakeIdle();
        });
    }
    if (!this.running && this.workers === 0) this.wakeIdle();
  }

  private failed(key: string, err: unknown): void {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    const delay = retryDelayMs(n);
    const kind = failureKind(err);
    this.opts.metrics.reconciles.inc({ result: kind });
    const { logger } = this.opts;
    (kind === 'error' ? logger.warn : logger.debug).call(
      logger,
      { portfolio: key, err, code: apiStatusCode(err), retryInMs: delay },
      'reconcile failed; will retry',
    );
    if (!this.running) return;
    clearTimeout(this.retryTimers.get(key));
    this.schedule(key, kind === 'conflict' ? conflictRetryMs : delay);
  }

  private wakeIdle(): void {
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
