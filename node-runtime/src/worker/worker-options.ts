import type { CancelOrder, SubmitOrder } from '@ginkgo/contracts';
import type { HandleResult, PortfolioEngine, PortfolioSnapshot, PortfolioView, SettlementRecord } from '@ginkgo/core';
import type { Logger } from '@ginkgo/platform';
import type { PortfolioTotals, StoredPortfolioState } from '../state/portfolio-state-store.js';

/** What a worker does to the outside world, in this order for every event. */
export interface WorkerEffects {
  /** Orders first: a crash before the save replays the event and re-sends the same client order ids. */
  publish(orders: SubmitOrder[], cancels: CancelOrder[]): Promise<void>;
  /** Then state (with the input positions); false means a newer epoch owns the portfolio and this worker must stop. */
  save(state: StoredPortfolioState, totals: PortfolioTotals): Promise<boolean>;
  /** Status for humans (throttled, best effort). */
  report(portfolioId: string, view: PortfolioView, result: HandleResult | undefined): void;
  /** End-of-day record, published before the state is saved (a replay re-publishes the same record). */
  publishSettlement?(record: SettlementRecord): Promise<void>;
}

/** A component of the portfolio threw while handling an event. */
export interface WorkerFailure {
  portfolioId: string;
  epoch: number;
  eventId: string | undefined;
  message: string;
  failures: number;
  /** True when the worker gave up and stopped. */
  stopped: boolean;
}

/** What a worker is given: its portfolio and run, its engine, its effects, limits and callbacks. */
export interface PortfolioWorkerOptions {
  /** Starts with trading halted (prices do not reach the strategy) until setHalted(false). */
  halted?: boolean;
  portfolioId: string;
  nodeId: string;
  epoch: number;
  /** The Portfolio resource's uid: this life of the portfolio (a re-created one under the same name is another). */
  incarnation?: string;
  engine: PortfolioEngine;
  effects: WorkerEffects;
  logger: Logger;
  queueCapacity: number;
  /** Input positions already applied into the engine's state (from the store). */
  inputPositions?: Record<string, string>;
  /** Reference clock for future-timestamp checks only; event time always comes from the source. */
  now?: () => number;
  onFenced?: (portfolioId: string) => void;
  /** Rebuilds the engine from a snapshot after a component threw (its in-memory state may be half-changed). */
  rebuild?: (snapshot: PortfolioSnapshot) => PortfolioEngine;
  /** Consecutive component failures before the worker gives up and stops. */
  maxFailures?: number;
  /** Base of the exponential restart backoff, ms. */
  backoffMs?: number;
  onFailure?: (f: WorkerFailure) => void;
  /** Events wait until this resolves (catch-up of missed order events runs first). */
  gate?: Promise<void>;
  onConflated?: () => void;
  /** Fills the engine applied (duplicates it refused are not counted). */
  onFills?: (count: number) => void;
  /** An input the engine had applied already (a redelivery after a restart; in steady state never). */
  onDuplicate?: () => void;
  /**
   * Offsets the node has routed past (every message at or below was handed to every portfolio wanting it):
   * saved as applied with the state, so a later start re-reads only what this portfolio may have missed.
   */
  watermark?: () => Record<string, string>;
}

/** What fences the orders and cancels a worker sends: its epoch, node and incarnation. */
export function orderFence(
  opts: Pick<PortfolioWorkerOptions, 'epoch' | 'nodeId' | 'incarnation'>,
): Pick<SubmitOrder, 'epoch' | 'nodeId' | 'incarnation'> {
  return { epoch: opts.epoch, nodeId: opts.nodeId, ...(opts.incarnation ? { incarnation: opts.incarnation } : {}) };
}
