import type { Logger } from '@ginkgo/platform';
import type {
  PortfolioError,
  PortfolioStateStore,
  PortfolioTotals,
  StoredPortfolioState,
} from './portfolio-state-store.js';
import type { ResilienceMetrics } from '../health/resilience-metrics.js';
import type { StateSpool } from './state-spool.js';

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'POOL_EXHAUSTED',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
]);

/** MySQL could not be reached (as opposed to a statement it refused): worth retrying, then spooling. */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; fatal?: boolean; message?: string } | undefined;
  if (!e) return false;
  if (e.fatal === true) return true;
  if (e.code && CONNECTION_CODES.has(e.code)) return true;
  return /Connection lost|connect ETIMEDOUT|Can't add new command when connection is in closed state|closed state/i.test(
    e.message ?? '',
  );
}

/**
 * MySQL state with a local spool for outages. A save is retried (exponential backoff) on connection
 * errors; if MySQL stays down it is appended to the spool (fsync'ed) and counts as saved. From then on every
 * write goes to the spool, behind the earlier ones, until a background flush has applied them all to MySQL
 * in order; meanwhile `load` answers from the spool first. Alert: metric + one error log while spooling.
 *
 * Durability (the worker commits the Kafka offset once save() resolves): a spooled save is on this node's
 * disk (fsync'ed) and is applied to MySQL before this node loads any state at its next start, so a crash
 * never loses a state whose inputs Kafka will not replay — provided the spool directory survives the
 * process (the chart's StatefulSet volume; keep `nodeRuntime.spool.persistent` on in production).
 */
export class SpoolingStateStore implements PortfolioStateStore {
  private flushing?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private spoolingSince: number | undefined;
  /** Serialises "spool or direct" decisions against the flush's final drop. */
  private lock: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly inner: PortfolioStateStore,
    private readonly spool: StateSpool,
    private readonly opts: {
      logger: Logger;
      metrics?: ResilienceMetrics;
      /** Attempts per save before it is spooled. */
      retries?: number;
      retryBaseMs?: number;
      flushIntervalMs?: number;
    },
  ) {
    if (spool.size > 0) this.enterSpooling('entries left by a previous run');
    this.gauge();
  }

  get spooling(): boolean {
    return this.spool.size > 0;
  }

  get spooledEntries(): number {
    return this.spool.size;
  }

  /** Flushes on an interval while anything is spooled. */
  start(): void {
    this.timer = setInterval(() => {
      if (this.spool.size > 0) void this.flush().catch(() => undefined);
    }, this.opts.flushIntervalMs ?? 1000);
    this.timer.unref();
  }

  async load(portfolioId: string): Promise<StoredPortfolioState | undefined> {
    const spooled = this.spool.latest(portfolioId);
    if (spooled === null) return undefined;
    if (spooled) return structuredClone(spooled);
    return this.inner.load(portfolioId);
  }

  async save(state: StoredPortfolioState, totals: PortfolioTotals): Promise<boolean> {
    if (this.spool.size === 0) {
      const direct = await this.tryDirect(() => this.inner.save(state, totals));
      if (direct.done) return direct.value;
    }
    await this.append({ kind: 'save', state, totals }, 'MySQL unreachable after retries');
    return true;
  }

  async markDeleted(portfolioId: string): Promise<void> {
    if (this.spool.size === 0) {
      const direct = await this.tryDirect(() => this.inner.markDeleted(portfolioId));
      if (direct.done) return;
    }
    await this.append({ kind: 'delete', portfolioId }, 'MySQL unreachable after retries');
  }

  async usedOrderSeq(portfolioId: string): Promise<number> {
    // Spooled saves not yet in MySQL count too (a deletion spooled after them keeps them in the spool).
    const spooled = this.spool
      .pending()
      .flatMap((e) => (e.kind === 'save' && e.state.portfolioId === portfolioId ? [e.state.snapshot.orderSeq] : []));
    return Math.max(await this.inner.usedOrderSeq(portfolioId), ...spooled);
  }

  async recordError(e: PortfolioError): Promise<void> {
    await this.inner.recordError?.(e);
  }

  /** Applies the spool to MySQL in order; stops at the first failure (retried on the next round). */
  flush(): Promise<void> {
    this.flushing ??= this.flushOnce().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flushing?.catch(() => undefined);
  }

  private async tryDirect<T>(write: () => Promise<T>): Promise<{ done: true; value: T } | { done: false }> {
    const attempts = this.opts.retries ?? 3;
    for (let attempt = 1; ; attempt++) {
      try {
        return { done: true, value: await write() };
      } catch (err) {
        if (!isConnectionError(err)) throw err;
        if (attempt >= attempts) {
          this.opts.logger.warn({ err, attempts }, 'MySQL state write failed after retries: spooling it');
          return { done: false };
        }
        this.opts.metrics?.stateSaveRetries.inc();
        const wait = (this.opts.retryBaseMs ?? 200) * 2 ** (attempt - 1);
        this.opts.logger.warn({ err, attempt, retryInMs: wait }, 'MySQL state write failed: retrying');
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  private append(entry: Parameters<StateSpool['append']>[0], why: string): Promise<void> {
    const run = this.lock.then(async () => {
      await this.spool.append(entry);
      if (this.spoolingSince === undefined) this.enterSpooling(why);
      this.gauge();
    });
    this.lock = run.catch(() => undefined);
    return run;
  }

  private enterSpooling(why: string): void {
    this.spoolingSince = Date.now();
    this.opts.logger.error(
      { alert: 'StateSpooling', spool: this.spool.path, entries: this.spool.size, why },
      'MySQL unreachable: state writes spooled to local disk, flushed in order when it returns',
    );
  }

  private gauge(): void {
    this.opts.metrics?.stateSpooling.set(this.spool.size > 0 ? 1 : 0);
    this.opts.metrics?.stateSpooled.set(this.spool.size);
  }

  private async flushOnce(): Promise<void> {
    const { logger, metrics } = this.opts;
    for (;;) {
      const batch = this.spool.pending();
      if (batch.length === 0) return;
      let applied: number | undefined;
      let failure: Error | undefined;
      for (const e of batch) {
        try {
          if (e.kind === 'save') {
            const ok = await this.inner.save(e.state, e.totals);
            if (!ok)
              logger.warn(
                { portfolioId: e.state.portfolioId, epoch: e.state.epoch },
                'spooled state refused: a newer epoch owns the portfolio',
              );
          } else {
            await this.inner.markDeleted(e.portfolioId);
          }
          applied = e.seq;
          metrics?.spoolFlushed.inc();
        } catch (err) {
          failure = err instanceof Error ? err : new Error(String(err));
          break;
        }
      }
      // Drop what was applied; writes spooled meanwhile stay, behind, for the next loop.
      const done = applied;
      if (done !== undefined) {
        const drop = this.lock.then(() => this.spool.dropThrough(done));
        this.lock = drop.catch(() => undefined);
        await drop;
      }
      this.gauge();
      if (failure !== undefined) throw failure;
      if (this.spool.size === 0) {
        logger.info(
          { spooledMs: this.spoolingSince ? Date.now() - this.spoolingSince : undefined },
          'MySQL reachable again: spooled state writes flushed in order',
        );
        this.spoolingSince = undefined;
        return;
      }
    }
  }
}
