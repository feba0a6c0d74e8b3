import type { Logger } from './logger.js';

/**
 * A monitor that samples on a timer once started: a failed sample is logged and the next one is tried on
 * schedule. The timer never keeps the process alive.
 */
export abstract class PeriodicMonitor<T> {
  private timer?: NodeJS.Timeout;

  protected constructor(private readonly schedule: { logger: Logger; defaultIntervalMs: number; failure: string }) {}

  abstract sample(): Promise<T>;

  start(intervalMs = this.schedule.defaultIntervalMs): void {
    this.timer = setInterval(
      () => void this.sample().catch((err: unknown) => this.schedule.logger.warn({ err }, this.schedule.failure)),
      intervalMs,
    );
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
