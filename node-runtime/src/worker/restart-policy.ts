import type { EngineEvent } from '@ginkgo/core';
import type { PortfolioWorkerOptions } from './worker-options.js';

type PolicyOptions = Pick<
  PortfolioWorkerOptions,
  'portfolioId' | 'epoch' | 'logger' | 'maxFailures' | 'backoffMs' | 'onFailure'
>;

/**
 * What a worker does when a component of its portfolio (strategy, risk, ...) throws: count the consecutive
 * failures, go back to the saved state, report, and wait an exponential backoff before the next event; after
 * maxFailures in a row it gives up and the worker stops.
 */
export class RestartPolicy {
  private failures = 0;
  private stopped = false;

  constructor(private readonly opts: PolicyOptions) {}

  /** Too many failures in a row: the worker must stop. */
  get gaveUp(): boolean {
    return this.stopped;
  }

  /** An event went through the engine: the failure count starts again. */
  succeeded(): void {
    this.failures = 0;
  }

  /**
   * A component threw on this event. `restore` puts the worker back on its saved state (its engine may be
   * half-changed); it runs before the failure is reported. Resolves after the backoff (at once on giving up).
   */
  async failed(event: EngineEvent, err: unknown, restore: () => void): Promise<void> {
    this.failures++;
    const max = this.opts.maxFailures ?? 3;
    const message = err instanceof Error ? err.message : String(err);
    this.stopped = this.failures >= max;
    this.opts.logger.error(
      { portfolioId: this.opts.portfolioId, eventId: event.eventId, err: message, failures: this.failures },
      'portfolio component threw',
    );
    restore();
    this.opts.onFailure?.({
      portfolioId: this.opts.portfolioId,
      epoch: this.opts.epoch,
      eventId: event.eventId,
      message,
      failures: this.failures,
      stopped: this.stopped,
    });
    if (!this.stopped) {
      const wait = Math.min((this.opts.backoffMs ?? 200) * 2 ** (this.failures - 1), 10000);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
