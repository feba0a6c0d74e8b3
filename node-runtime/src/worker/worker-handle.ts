import type { EngineEvent, PortfolioSnapshot, PortfolioView } from '@ginkgo/core';
import type { Assignment } from '../membership/assignment.js';
import type { InputPosition } from './input-position.js';
import type { CancelRequestInput } from './order-interventions.js';
import type { PortfolioWorkerOptions } from './worker-options.js';

/**
 * What the node, its router, the watchdog and the metrics use of a running portfolio, wherever it runs: a
 * `PortfolioWorker` on the node's own thread, or a proxy of one on a worker thread (shards/).
 */
export interface WorkerHandle {
  readonly portfolioId: string;
  readonly epoch: number;
  readonly queueDepth: number;
  /** Fenced off or given up: takes no more events. */
  readonly stopped: boolean;
  readonly processed: number;
  readonly fillsApplied: number;
  /** Wall time the current event (or save) started; undefined while idle (watchdog). */
  readonly busySince: number | undefined;
  readonly currentEventId: string | undefined;
  /** The portfolio's view (for a worker on another thread: as of its last report, at most a second old). */
  view(): PortfolioView;
  dayStartEquity(): number;
  enqueue(event: EngineEvent, position?: InputPosition): { admitted: Promise<void>; settled: Promise<void> };
  applyDirect(event: EngineEvent, position: InputPosition): Promise<void>;
  setHalted(halted: boolean): Promise<void>;
  setInterest(codes: string[]): Promise<void>;
  cancel(requests: CancelRequestInput[]): Promise<string>;
  checkpoint(): Promise<void>;
  stop(): Promise<void>;
}

/** What starting a portfolio's worker takes: the run, its stored state (if any) and the worker's options. */
export interface WorkerStart {
  assignment: Assignment;
  /** The saved engine state to restore; a fresh engine when absent. */
  stored?: PortfolioSnapshot;
  /** A fresh engine continues the order numbering after this (ids stay unique across incarnations). */
  orderSeqAfter: number;
  options: Omit<PortfolioWorkerOptions, 'engine' | 'rebuild'>;
}

/** A started worker, with the state it starts from (saved at once by the node). */
export interface StartedWorker<W extends WorkerHandle> {
  worker: W;
  snapshot: PortfolioSnapshot;
  view: PortfolioView;
}

/** Where a node's workers run: its own thread, or worker threads (NODE_WORKER_THREADS). */
export interface WorkerHost<W extends WorkerHandle> {
  start(s: WorkerStart): Promise<StartedWorker<W>>;
  /** After every worker stopped. */
  close(): Promise<void>;
}
