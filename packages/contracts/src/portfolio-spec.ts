import { z } from 'zod';
import { CommissionSchedule, DecimalAmount } from './money.js';
import { InstrumentCode, MarketId } from './market-data.js';
import { CancelAck, CancelRequest } from './portfolio-resource.js';

/** Parameters of a strategy, risk manager or sizer; each component validates its own. */
export const ComponentParams = z.record(z.string(), z.union([z.number(), z.string(), z.boolean()]));

export const ComponentRef = z.object({
  // Built-ins are plain names; components from a strategy package are `<package>/<name>` (npm name, maybe scoped).
  name: z
    .string()
    .max(200)
    .regex(
      /^(?:(?:@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*\/)?[a-z][a-z0-9-]{0,62}$/,
      'must be a registered component name like "ma-cross" or "@acme/strategies/momentum"',
    ),
  params: ComponentParams.default({}),
});
export type ComponentRef = z.infer<typeof ComponentRef>;

/** The `spec` of a Portfolio resource: what a trader declares. */
export const PortfolioSpec = z.object({
  market: MarketId.default('cn'),
  initialCash: DecimalAmount.describe('starting cash in the market currency, e.g. "1000000.00"'),
  strategy: ComponentRef,
  riskManagers: z.array(ComponentRef).max(16).default([]),
  sizer: ComponentRef.default({ name: 'fixed-volume', params: { volume: 100 } }),
  interestedCodes: z.array(InstrumentCode).min(1).max(2000),
  /** The broker's commission; the market's typical retail schedule when absent. */
  commission: CommissionSchedule.optional(),
  /** Running trades; Stopped drains the worker and keeps the state. */
  desiredState: z.enum(['Running', 'Stopped']).default('Running'),
  /** Same effect as desiredState Stopped (kubectl-friendly switch, like CronJob's `suspend`). */
  suspend: z.boolean().optional(),
});
export type PortfolioSpec = z.infer<typeof PortfolioSpec>;
export type PortfolioSpecInput = z.input<typeof PortfolioSpec>;

export const PortfolioPhase = z.enum(['Pending', 'Assigned', 'Running', 'Stopped', 'Degraded', 'Failed', 'Halted']);
export type PortfolioPhase = z.infer<typeof PortfolioPhase>;

export const Condition = z.object({
  type: z.string(),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string(),
  message: z.string(),
  lastTransitionTime: z.string(),
  observedGeneration: z.number().int().optional(),
});
export type Condition = z.infer<typeof Condition>;

export const PositionStatus = z.object({
  code: InstrumentCode,
  volume: z.number().int(),
  sellable: z.number().int(),
  avgCost: z.string(),
  marketValue: z.string(),
});

/** The `status` of a Portfolio resource: what the operator and nodes report. */
export const PortfolioStatus = z.object({
  phase: PortfolioPhase.optional(),
  observedGeneration: z.number().int().optional(),
  assignedNode: z.string().optional(),
  epoch: z.number().int().optional(),
  conditions: z.array(Condition).optional(),
  cash: z.string().optional(),
  equity: z.string().optional(),
  realizedPnl: z.string().optional(),
  unrealizedPnl: z.string().optional(),
  positions: z.array(PositionStatus).optional(),
  lastEventTime: z.string().optional(),
  message: z.string().optional(),
  /** Node-owned: day PnL (decimal), open orders and positions count: the summary `kubectl get pf` shows. */
  dayPnl: z.string().optional(),
  openOrders: z.number().int().optional(),
  positionsCount: z.number().int().optional(),
  /** Node-owned: the metadata.generation of the spec the node runs now (reported once it runs, so a spec change shows when it took effect). */
  runningGeneration: z.number().int().optional(),
  /** Node-owned: the node that runs the portfolio now and the epoch it runs with (set on taking over, so a hand-over shows who runs it). */
  runningNode: z.string().optional(),
  runningEpoch: z.number().int().optional(),
  /**
   * Operator-owned: planned move in progress (rebalance, drain, market change): the assigned node stops and
   * persists before `handoverTo` gets the portfolio (epoch + 1). Since when, for the timeout.
   */
  handoverTo: z.string().optional(),
  handoverSince: z.string().optional(),
  /** Operator-owned: why the planned move happens (Drained, Rebalanced, Moved). */
  handoverReason: z.string().optional(),
  /** Node-owned: the epoch the assigned node stopped and persisted for the hand-over (see handoverTo). */
  releasedEpoch: z.number().int().optional(),
  /** Operator-owned: accepted manual cancel requests not yet acknowledged by the node. */
  cancelRequests: z.array(CancelRequest).optional(),
  /** Node-owned: the highest cancel request id handled. */
  cancelAck: CancelAck.optional(),
});
export type PortfolioStatus = z.infer<typeof PortfolioStatus>;
