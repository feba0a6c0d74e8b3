import type { HotStateStore, Logger } from '@ginkgo/platform';
import type { ResilienceMetrics } from '../health/resilience-metrics.js';

/**
 * Writes hot state (node status, portfolio summaries, last prices) to Redis, never in the way of trading:
 * put() only records the latest value per key; a timer flushes them. When Redis fails the node is
 * degraded (metric + one alert log), values stay in memory (latest per key, so memory is bounded by the key
 * count) and the flush is retried with exponential backoff until Redis answers again.
 */
export class HotStateWriter {
  private readonly pending = new Map<string, { value: unknown; ttlSeconds: number }>();
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private failures = 0;
  private nextAttemptAt = 0;
  private degradedSince: number | undefined;

  constructor(
    private readonly opts: {
      store: HotStateStore;
      logger: Logger;
      metrics?: ResilienceMetrics;
      intervalMs?: number;
      /** A write in flight when the link dies waits for the reconnect: give up on it after this long. */
      writeTimeoutMs?: number;
      retryBaseMs?: number;
      retryMaxMs?: number;
    },
  ) {}

  get degraded(): boolean {
    return this.degradedSince !== undefined;
  }

  get pendingKeys(): number {
    return this.pending.size;
  }

  put(key: string, value: unknown, ttlSeconds: number): void {
    this.pending.set(key, { value, ttlSeconds });
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.opts.intervalMs ?? 500);
    this.timer.unref();
  }

  /** Writes what is pending now (unless a retry backoff is running); resolves when the attempt is over. */
  flush(force = false): Promise<void> {
    if (this.flushing) return this.flushing;
    if (!force && Date.now() < this.nextAttemptAt) return Promise.resolve();
    this.flushing = this.attempt().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async attempt(): Promise<void> {
    const { store, logger, metrics } = this.opts;
    const batch = [...this.pending];
    try {
      for (const [key, { value, ttlSeconds }] of batch) {
        await this.bounded(store.setJson(key, value, ttlSeconds));
        // A newer value put meanwhile stays pending for the next round.
        if (this.pending.get(key)?.value === value) this.pending.delete(key);
      }
      if (this.degradedSince !== undefined) {
        logger.info(
          { degradedMs: Date.now() - this.degradedSince, retries: this.failures },
          'Redis reachable again: hot state written, degraded mode over',
        );
      }
      this.degradedSince = undefined;
      this.failures = 0;
      this.nextAttemptAt = 0;
      metrics?.redisDegraded.set(0);
    } catch (err) {
      this.failures++;
      metrics?.hotStateWriteFailures.inc();
      const wait = Math.min((this.opts.retryBaseMs ?? 200) * 2 ** (this.failures - 1), this.opts.retryMaxMs ?? 10000);
      this.nextAttemptAt = Date.now() + wait;
      if (this.degradedSince === undefined) {
        this.degradedSince = Date.now();
        metrics?.redisDegraded.set(1);
        logger.error(
          { alert: 'RedisDegraded', err, pendingKeys: this.pending.size },
          'Redis unreachable: degraded mode, trading goes on, hot state kept in memory and retried',
        );
      } else {
        logger.warn(
          { err, attempt: this.failures, retryInMs: wait, pendingKeys: this.pending.size },
          'Redis hot-state write retry failed',
        );
      }
    } finally {
      metrics?.hotStatePending.set(this.pending.size);
    }
  }

  private bounded<T>(p: Promise<T>): Promise<T> {
    const ms = this.opts.writeTimeoutMs ?? 2000;
    let timer: NodeJS.Timeout | undefined;
    p.catch(() => undefined);
    return Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Redis write: no answer within ${ms} ms`)), ms);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  /** Stops the timer and makes one last bounded attempt. */
  async close(timeoutMs = 2000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.race([this.flush(true), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }
}
