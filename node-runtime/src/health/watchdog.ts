import type { Logger } from '@ginkgo/platform';
import type { PortfolioWorker } from '../worker/portfolio-worker.js';

export interface Stall {
  portfolioId: string;
  eventId: string | undefined;
  busyMs: number;
  queueDepth: number;
  /** A small dump of the portfolio's state at detection time. */
  state: { cash: number; positions: number; openOrders: number; lastEventTs: number | null };
}

/**
 * Detects stalled workers: one event in progress for longer than `stallMs` (an effect that never
 * resolves, or a component that blocked the event loop — seen as soon as the loop turns again, together
 * with the loop delay). Reports each stall once, with a state dump.
 */
export class Watchdog {
  private timer?: NodeJS.Timeout;
  private readonly reported = new Set<string>();
  private lastTick = Date.now();
  /** Largest event-loop delay seen by the last check, ms. */
  loopDelayMs = 0;

  constructor(
    private readonly opts: {
      workers: () => PortfolioWorker[];
      stallMs: number;
      everyMs?: number;
      logger: Logger;
      onStall: (s: Stall) => void;
    },
  ) {}

  start(): void {
    const every = this.opts.everyMs ?? Math.max(100, Math.floor(this.opts.stallMs / 4));
    this.lastTick = Date.now();
    this.timer = setInterval(() => this.check(every), every);
    this.timer.unref();
  }

  check(every = 0): void {
    const now = Date.now();
    this.loopDelayMs = Math.max(0, now - this.lastTick - every);
    this.lastTick = now;
    for (const w of this.opts.workers()) {
      const key = `${w.portfolioId}/${w.currentEventId ?? ''}`;
      if (w.busySince === undefined || now - w.busySince < this.opts.stallMs) continue;
      if (this.reported.has(key)) continue;
      this.reported.add(key);
      const view = w.engine.view();
      const stall: Stall = {
        portfolioId: w.portfolioId,
        eventId: w.currentEventId,
        busyMs: now - w.busySince,
        queueDepth: w.queueDepth,
        state: {
          cash: view.cash,
          positions: view.positions.length,
          openOrders: view.openOrders.length,
          lastEventTs: view.lastEventTs,
        },
      };
      this.opts.logger.error({ stall, loopDelayMs: this.loopDelayMs }, 'portfolio worker stalled');
      this.opts.onStall(stall);
    }
    if (this.reported.size > 10000) this.reported.clear();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
