import type { CancelOrder, SubmitOrder } from '@ginkgo/contracts';
import type { EngineEvent, HandleResult, PortfolioEngine, PortfolioView } from '@ginkgo/core';
import type { Logger } from '@ginkgo/platform';
import { BoundedQueue } from './bounded-queue.js';
import type { PortfolioTotals, StoredPortfolioState } from './portfolio-state-store.js';

/** What a worker does to the outside world, in this order for every event. */
export interface WorkerEffects {
  /** Orders first: a crash before the save replays the event and re-sends the same client order ids. */
  publish(orders: SubmitOrder[], cancels: CancelOrder[]): Promise<void>;
  /** Then state; false means a newer epoch owns the portfolio and this worker must stop. */
  save(state: StoredPortfolioState, totals: PortfolioTotals): Promise<boolean>;
  /** Status for humans (throttled, best effort). */
  report(portfolioId: string, view: PortfolioView, result: HandleResult | undefined): void;
}

interface QueueItem {
  event: EngineEvent;
  done: () => void;
  failed: (err: unknown) => void;
}

export interface PortfolioWorkerOptions {
  portfolioId: string;
  nodeId: string;
  epoch: number;
  engine: PortfolioEngine;
  effects: WorkerEffects;
  logger: Logger;
  queueCapacity: number;
  /** Reference clock for future-timestamp checks only; event time always comes from the source. */
  now?: () => number;
  onFenced?: (portfolioId: string) => void;
}

/** Runs one portfolio: a bounded queue in front of its engine, events handled strictly in order. */
export class PortfolioWorker {
  private readonly queue: BoundedQueue<QueueItem>;
  private readonly loop: Promise<void>;
  private fenced = false;
  processed = 0;

  constructor(private readonly opts: PortfolioWorkerOptions) {
    this.queue = new BoundedQueue(opts.queueCapacity);
    this.loop = this.run();
  }

  get portfolioId(): string {
    return this.opts.portfolioId;
  }

  get epoch(): number {
    return this.opts.epoch;
  }

  get queueDepth(): number {
    return this.queue.size;
  }

  get engine(): PortfolioEngine {
    return this.opts.engine;
  }

  /** Resolves when the event has been handled and its effects are durable (publish + save). */
  submit(event: EngineEvent): Promise<void> {
    return new Promise<void>((done, failed) => {
      this.queue.push({ event, done, failed }).catch(failed);
    });
  }

  private async run(): Promise<void> {
    for (;;) {
      const item = await this.queue.take();
      if (!item) return;
      try {
        await this.handle(item.event);
        item.done();
      } catch (err) {
        item.failed(err);
      }
    }
  }

  private async handle(event: EngineEvent): Promise<void> {
    if (this.fenced) return;
    const { engine, effects, portfolioId, nodeId, epoch } = this.opts;
    const result = engine.handle(event, this.opts.now ? { now: this.opts.now() } : {});
    this.processed++;
    const fence = { epoch, nodeId };
    const orders: SubmitOrder[] = result.orders.map((o) => ({ type: 'submit', ...o, ...fence }));
    const cancels: CancelOrder[] = result.cancels.map((c) => ({ type: 'cancel', ...c, ...fence }));
    if (orders.length || cancels.length) await effects.publish(orders, cancels);
    for (const alert of result.alerts) this.opts.logger.warn({ portfolioId, alert }, 'portfolio alert');
    for (const d of result.dropped) this.opts.logger.info({ portfolioId, dropped: d }, 'event or signal dropped');
    if (orders.length || cancels.length) {
      this.opts.logger.info({ portfolioId, orders: orders.map((o) => o.clientOrderId), cancels: cancels.map((c) => c.clientOrderId) }, 'orders sent');
    }
    const view = engine.view();
    const saved = await effects.save({ portfolioId, epoch, nodeId, snapshot: engine.snapshot() }, totalsOf(view));
    if (!saved) {
      this.fenced = true;
      this.opts.logger.error({ portfolioId, epoch }, 'a newer epoch owns this portfolio: worker fenced off');
      this.opts.onFenced?.(portfolioId);
      return;
    }
    effects.report(portfolioId, view, result);
  }

  /** Stops taking events, finishes the queued ones (their effects included), then returns. */
  async stop(): Promise<void> {
    this.queue.close();
    await this.loop;
  }
}

export function totalsOf(view: PortfolioView): PortfolioTotals {
  return {
    cash: view.cash,
    equity: view.equity,
    positions: view.positions.map((p) => ({
      code: p.code,
      volume: p.volume,
      sellable: p.sellable,
      avgCostMinor: p.avgCostMinor,
    })),
  };
}
