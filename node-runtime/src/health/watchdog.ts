import type { Logger } from '@ginkgo/platform';
import type { WorkerHandle } from '../worker/worker-handle.js';

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
 * with the loop delay). Reports each stall once, with a state dump, and reports the recovery once the worker
 * has moved past that event (e.g. an order send held up by a Kafka partition went out after all), so that a
 * portfolio marked Degraded for a stall does not stay so after it trades again.
 */
export class Watchdog {
  private timer?: NodeJS.Timeout;
  /** Stalls reported and not yet recovered: portfolio -> the event it stalled on, and since when. */
  private readonly reported = new Map<string, { eventId: string | undefined; busySince: number }>();
  private lastTick = Date.now();
  /** Largest event-loop delay seen by the last check, ms. */
  loopDelayMs = 0;

  constructor(
    private readonly opts: {
      workers: () => WorkerHandle[];
      stallMs: number;
      everyMs?: number;
      logger: Logger;
      onStall: (s: Stall) => void;
      /** The worker finished the event it stalled on (or it was stopped: `running` false). */
      onRecovered?: (r: { portfolioId: string; stalledMs: number; running: boolean }) => void;
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
    const workers = this.opts.workers();
    this.noteRecoveries(workers, now);
    for (const w of workers) {
      if (w.busySince === undefined || now - w.busySince < this.opts.stallMs) continue;
      const seen = this.reported.get(w.portfolioId);
      if (seen && seen.eventId === w.currentEventId && seen.busySince === w.busySince) continue;
      this.reported.set(w.portfolioId, { eventId: w.currentEventId, busySince: w.busySince });
      const view = w.view();
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
  }

  /** A reported worker that is no longer on the event it stalled on has recovered (or is gone). */
  private noteRecoveries(workers: WorkerHandle[], now: number): void {
    if (this.reported.size === 0) return;
    const byId = new Map(workers.map((w) => [w.portfolioId, w]));
    for (const [portfolioId, seen] of this.reported) {
      const w = byId.get(portfolioId);
      if (w && w.busySince === seen.busySince && w.currentEventId === seen.eventId) continue;
      this.reported.delete(portfolioId);
      const stalledMs = now - seen.busySince;
      this.opts.logger.info(
        { portfolioId, eventId: seen.eventId, stalledMs },
        'portfolio worker recovered from a stall',
      );
      this.opts.onRecovered?.({ portfolioId, stalledMs, running: w !== undefined });
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
