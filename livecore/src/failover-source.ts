import type { MarketDataMessage } from '@ginkgo/contracts';
import type { MarketDataSource } from './market-data-source.js';

export interface FailoverAlert {
  from: string;
  to: string | undefined;
  reason: string;
  ts: number;
}

/**
 * Primary first, then the backups in order: when the active source fails (throws) or goes silent for
 * `silenceMs`, the next one takes over and an alert is raised. Only what the active source
 * yields is passed on, and validation happens in the feeder, so a failing source never leaks bad data.
 */
export class FailoverSource implements MarketDataSource {
  readonly live = true;
  private active = 0;
  private closed = false;
  readonly alerts: FailoverAlert[] = [];

  constructor(
    private readonly sources: MarketDataSource[],
    private readonly opts: { silenceMs?: number; onAlert?: (a: FailoverAlert) => void; now?: () => number } = {},
  ) {
    if (sources.length === 0) throw new Error('FailoverSource needs at least one source');
  }

  get name(): string {
    return `failover(${this.sources.map((s) => s.name).join(' > ')})`;
  }

  get activeSource(): string {
    return this.sources[this.active]?.name ?? 'none';
  }

  private fail(reason: string): void {
    const from = this.sources[this.active]?.name ?? 'none';
    this.active++;
    const alert: FailoverAlert = {
      from,
      to: this.sources[this.active]?.name,
      reason,
      ts: (this.opts.now ?? Date.now)(),
    };
    this.alerts.push(alert);
    this.opts.onAlert?.(alert);
  }

  async *messages(): AsyncIterable<MarketDataMessage> {
    while (!this.closed && this.active < this.sources.length) {
      const source = this.sources[this.active]!;
      const it = source.messages()[Symbol.asyncIterator]();
      try {
        for (;;) {
          const next = it.next();
          const silence = this.opts.silenceMs;
          let timer: NodeJS.Timeout | undefined;
          const r = silence
            ? await Promise.race([
                next,
                new Promise<'silent'>((res) => (timer = setTimeout(() => res('silent'), silence))),
              ])
            : await next;
          if (timer) clearTimeout(timer);
          if (r === 'silent') throw new Error(`no data for ${silence} ms`);
          if (r.done) return;
          yield r.value;
          if (this.closed) return;
        }
      } catch (err) {
        await source.close().catch(() => undefined);
        if (this.closed) return;
        this.fail(`${source.name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (!this.closed)
      throw new Error(`every market data source failed: ${this.alerts.map((a) => a.reason).join('; ')}`);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.sources.map((s) => s.close().catch(() => undefined)));
  }
}
