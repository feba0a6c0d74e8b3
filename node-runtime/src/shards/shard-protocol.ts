import type { CancelOrder, SubmitOrder } from '@ginkgo/contracts';
import type { EngineEvent, HandleResult, PortfolioSnapshot, PortfolioView, SettlementRecord } from '@ginkgo/core';
import type { Assignment } from '../membership/assignment.js';
import type { PortfolioTotals, StoredPortfolioState } from '../state/portfolio-state-store.js';
import type { InputPosition } from '../worker/input-position.js';
import type { CancelRequestInput } from '../worker/order-interventions.js';
import type { PortfolioWorkerOptions, WorkerFailure } from '../worker/worker-options.js';

/**
 * Messages between the node's thread and a shard (a worker thread hosting some of its portfolios). Each side
 * posts arrays of them, in order: one ordered stream per direction and shard, so a control item (halt,
 * interest, stop) reaches a worker's queue behind exactly the events routed before it.
 */

/** Where a shard gets its component registry and market rules: `export` of `module`, called with `arg`. */
export interface ShardSetupRef {
  /** A module URL (file:) the shard imports. */
  module: string;
  export: string;
  /** Plain data handed to the setup function. */
  arg?: unknown;
}

/** The data options of a worker started on a shard (callbacks and effects stay on the node's thread). */
export interface ShardWorkerOptions {
  portfolioId: string;
  nodeId: string;
  epoch: number;
  incarnation?: string;
  halted?: boolean;
  queueCapacity: number;
  inputPositions?: Record<string, string>;
  maxFailures?: number;
  backoffMs?: number;
  /** The worker compares event times with the wall clock (the node's REFERENCE_CLOCK=wall). */
  wallClock: boolean;
}

/** The data part of a worker's options, as a shard receives it (a clock function becomes `wallClock`). */
export function shardWorkerOptions(
  o: PortfolioWorkerOptions | Omit<PortfolioWorkerOptions, 'engine'>,
): ShardWorkerOptions {
  return {
    portfolioId: o.portfolioId,
    nodeId: o.nodeId,
    epoch: o.epoch,
    ...(o.incarnation ? { incarnation: o.incarnation } : {}),
    ...(o.halted ? { halted: true } : {}),
    queueCapacity: o.queueCapacity,
    ...(o.inputPositions ? { inputPositions: o.inputPositions } : {}),
    ...(o.maxFailures !== undefined ? { maxFailures: o.maxFailures } : {}),
    ...(o.backoffMs !== undefined ? { backoffMs: o.backoffMs } : {}),
    wallClock: o.now !== undefined,
  };
}

export type ControlOp =
  | { kind: 'halt'; halted: boolean }
  | { kind: 'interest'; codes: string[] }
  | { kind: 'cancel'; requests: CancelRequestInput[] }
  | { kind: 'checkpoint' }
  | { kind: 'stop' };

/** An answer to a request of the other side (`id` is the requester's). */
export type Answer =
  { t: 'answer'; id: number; ok: true; value?: unknown } | { t: 'answer'; id: number; ok: false; error: string };

export type ToShard =
  | Answer
  | {
      t: 'start';
      id: number;
      assignment: Assignment;
      stored?: PortfolioSnapshot;
      orderSeqAfter: number;
      options: ShardWorkerOptions;
    }
  /** The worker's catch-up is done: it takes queued events from now on. */
  | { t: 'open'; pid: string }
  /** One routed input, for every portfolio of this shard that wants it (parsed once, cloned once per shard). */
  | { t: 'event'; seq: number; event: EngineEvent; position?: InputPosition; pids: string[] }
  | { t: 'direct'; id: number; pid: string; event: EngineEvent; position: InputPosition }
  | { t: 'control'; id: number; pid: string; op: ControlOp }
  /** The offsets each worker may save as applied (see RoutedPositions), as the node sees them now. */
  | { t: 'watermarks'; marks: [string, Record<string, string>][] };

export type EffectCall =
  | { op: 'publish'; orders: SubmitOrder[]; cancels: CancelOrder[] }
  | { op: 'save'; state: StoredPortfolioState; totals: PortfolioTotals }
  | { op: 'settlement'; record: SettlementRecord };

export type Signal =
  | { kind: 'fenced' }
  | { kind: 'failure'; failure: WorkerFailure }
  | { kind: 'conflated' }
  | { kind: 'fills'; count: number }
  | { kind: 'duplicate' };

/** What the node's thread mirrors of a shard's worker (watchdog, metrics, load). */
export interface WorkerStats {
  pid: string;
  queueDepth: number;
  stopped: boolean;
  processed: number;
  fills: number;
  busySince: number | undefined;
  currentEventId: string | undefined;
  dayStartEquity: number;
}

export type FromShard =
  | Answer
  /** Every event entry up to `seq` is in its workers' queues. */
  | { t: 'admitted'; seq: number }
  /** Event entries whose effects are durable at every worker they went to, and those that failed. */
  | { t: 'settled'; ok: number[]; failed: [number, string][] }
  | ({ t: 'call'; id: number; pid: string } & EffectCall)
  | { t: 'report'; pid: string; view: PortfolioView; result: HandleResult | undefined }
  | { t: 'signal'; pid: string; signal: Signal }
  | { t: 'stats'; workers: WorkerStats[] };

/** An error crossing threads as its message. */
export const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));
