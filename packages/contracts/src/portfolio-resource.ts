import { z } from 'zod';
import { conditionType, nodeConditionReason } from './conditions.js';
import { ClientOrderId } from './orders.js';
import type { PortfolioSpec, PortfolioStatus } from './portfolio-spec.js';

/**
 * The Portfolio custom resource and the conventions the operator and the nodes share.
 *
 * Ownership of status fields (merge patches on disjoint fields, so writers never clobber):
 * - operator: phase (Pending/Assigned/Stopped/Failed/Halted), observedGeneration, assignedNode, epoch,
 *   conditions Accepted/Assigned;
 * - the assigned node: phase Running/Degraded, cash, equity, pnl, positions, lastEventTime, condition Ready.
 *
 * Details (operator <-> node protocol, see operator/README.md):
 * - The operator also owns condition Halted and may write phase Stopped when no live node holds a stopped
 *   portfolio. The node owns conditions Ready/Running/Degraded/Stopped and the optional fields dayPnl,
 *   openOrders, positionsCount, runningGeneration, runningNode, runningEpoch.
 * - `conditions` is one list: a merge patch replaces it whole. Whoever writes conditions must read the
 *   object, keep the other side's entries, and send `metadata.resourceVersion` in the same patch (409 -> re-read
 *   and retry). Patches without `conditions` need no resourceVersion.
 * - Run only while `status.assignedNode` is you; attach `status.epoch` to every order (fencing token: the
 *   gateway refuses epochs lower than the highest seen for the portfolio). A node that sees assignedNode change
 *   away from it, or loses its own Lease, stops at once.
 * - Stop (spec.desiredState Stopped or spec.suspend true): the node drains, persists, writes phase Stopped and
 *   condition Stopped=True (reason DesiredStateStopped). The assignment stays.
 * - Delete (finalizer `ginkgo.live/portfolio-cleanup`): once metadata.deletionTimestamp is set, the assigned node
 *   stops the portfolio, archives (soft-deletes) its state, then writes phase Stopped and condition
 *   Stopped=True with reason `Deleted` (deletionHandshake below). Only then does the operator remove the
 *   finalizer. If the assigned node is dead, the operator reassigns (epoch+1) so a live node archives it; a
 *   portfolio that was never assigned is released at once. Annotation `ginkgo.live/force-delete` skips the wait.
 * - Emergency stop: see tradingControl. While halted the operator writes phase Halted and condition Halted=True
 *   on every portfolio; nodes stop opening positions and cancel open orders, and do not write phase until the
 *   halt is lifted (condition Halted=False, phase Assigned again).
 */
export const portfolioResource = {
  group: 'ginkgo.live',
  version: 'v1alpha1',
  kind: 'Portfolio',
  listKind: 'PortfolioList',
  plural: 'portfolios',
  singular: 'portfolio',
  shortNames: ['pf'],
  apiVersion: 'ginkgo.live/v1alpha1',
  finalizer: 'ginkgo.live/portfolio-cleanup',
} as const;

/** Node liveness: each ExecutionNode holds a Lease with these labels, named `node-<nodeId>`. */
export const nodeLease = {
  labelRole: 'ginkgo.live/role',
  roleValue: 'execution-node',
  namePrefix: 'node-',
  /** Annotation on the node Lease: comma-separated markets it serves. */
  marketsAnnotation: 'ginkgo.live/markets',
  /** Annotation on the node Lease set when the node drains (no new assignments). */
  drainingAnnotation: 'ginkgo.live/draining',
  /** Annotation on the node Lease: current number of portfolios and queue depth, for balancing. */
  loadAnnotation: 'ginkgo.live/load',
  /**
   * Annotation on the node Lease: JSON list of the components the node can run ({ kind, name, version, params
   * JSON Schema }). The operator places a portfolio only on a node that has all of its components.
   */
  componentsAnnotation: 'ginkgo.live/components',
} as const;

export const ComponentAdvert = z.object({
  kind: z.enum(['strategy', 'risk', 'sizer']),
  name: z.string().min(1),
  version: z.string(),
  params: z.unknown().optional(),
});
export type ComponentAdvert = z.infer<typeof ComponentAdvert>;

export const portfolioAnnotations = {
  /** Set (any value) to ask the operator for an immediate rebalance. */
  rebalance: 'ginkgo.live/rebalance',
  /** Manual order intervention: JSON CancelOrderAnnotation, see orderIntervention. */
  cancelOrder: 'ginkgo.live/cancel-order',
  /** Set (any value) on a Portfolio being deleted to drop the finalizer without waiting for its node. */
  forceDelete: 'ginkgo.live/force-delete',
} as const;

/** The node's answer that a deleted portfolio is stopped and its state archived: the finalizer may go. */
export const deletionHandshake = {
  conditionType: conditionType.Stopped,
  status: 'True',
  reason: nodeConditionReason.Deleted,
} as const;

/**
 * Emergency stop of every portfolio: one ConfigMap in the operator's namespace.
 *   kubectl create configmap ginkgo-live-trading-control --from-literal=halted=true --from-literal=reason="..."
 *   kubectl patch configmap ginkgo-live-trading-control --type merge -p '{"data":{"halted":"false"}}'
 * Nodes may watch it directly (fastest path) and must obey the Halted condition on each Portfolio.
 */
export const tradingControl = {
  configMapName: 'ginkgo-live-trading-control',
  haltedKey: 'halted',
  reasonKey: 'reason',
} as const;

/**
 * Manual order intervention, the kubectl path:
 *   kubectl annotate pf alpha ginkgo.live/cancel-order='{"clientOrderId":"alpha-7"}'
 *   kubectl annotate pf alpha ginkgo.live/cancel-order='{"all":true,"force":true,"reason":"stuck at broker"}'
 * The operator validates the annotation (bad JSON or fields: Warning Event + condition OrderIntervention=False
 * naming the field), appends a valid one to `status.cancelRequests` with the next `id` (operator-owned), sets
 * condition OrderIntervention=True (reason Requested) and removes the annotation. The node running the portfolio
 * acts on every request with `id > status.cancelAck.id`: it informs the portfolio (engine) and sends a
 * CancelOrder on `orders.<market>` per targeted open order with its epoch (`force: true` = the gateway cancels
 * without waiting for the broker), then writes `status.cancelAck` (node-owned: the highest id handled, when, and
 * what it did). The operator drops acknowledged requests from `cancelRequests`. Requests wait in status while no
 * node runs the portfolio; after a failover the new node handles them.
 */
export const orderIntervention = {
  conditionType: conditionType.OrderIntervention,
  /** Most pending requests kept in status; older ones are dropped (with a Warning Event). */
  maxPending: 20,
} as const;

/** The JSON value of annotation `ginkgo.live/cancel-order`: exactly one of clientOrderId or all:true. */
export const CancelOrderAnnotation = z
  .strictObject({
    clientOrderId: ClientOrderId.optional(),
    all: z.literal(true).optional(),
    force: z.boolean().default(false),
    reason: z.string().max(200).optional(),
  })
  .superRefine((v, ctx) => {
    if ((v.clientOrderId === undefined) === (v.all === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['clientOrderId'],
        message: 'give exactly one of clientOrderId or "all": true',
      });
    }
  });
export type CancelOrderAnnotation = z.infer<typeof CancelOrderAnnotation>;

/** One accepted request in `status.cancelRequests` (operator-owned). */
export const CancelRequest = z.object({
  /** Grows by one per request on this portfolio. */
  id: z.number().int().positive(),
  clientOrderId: z.string().optional(),
  all: z.boolean().optional(),
  force: z.boolean(),
  reason: z.string().optional(),
  requestedAt: z.string(),
});
export type CancelRequest = z.infer<typeof CancelRequest>;

/** `status.cancelAck` (node-owned): every request with id <= this id has been handled. */
export const CancelAck = z.object({
  id: z.number().int().nonnegative(),
  at: z.string(),
  /** What was done, e.g. "cancel sent for 2 open orders (force)" or "alpha-7 is not open". */
  message: z.string().optional(),
});
export type CancelAck = z.infer<typeof CancelAck>;

/**
 * Value of the node Lease annotation `ginkgo.live/load` (JSON). A node is overloaded (gets no new
 * portfolios) when `overloaded` is true, cpu or memory >= 0.9, queueDepth >= the operator's limit, or
 * portfolios >= capacity.
 */
export const NodeLoad = z.object({
  portfolios: z.number().int().nonnegative().optional(),
  queueDepth: z.number().nonnegative().optional(),
  /** Fractions of the node's limits, 0..1. */
  cpu: z.number().nonnegative().optional(),
  memory: z.number().nonnegative().optional(),
  /** Most portfolios this node accepts. */
  capacity: z.number().int().nonnegative().optional(),
  overloaded: z.boolean().optional(),
});
export type NodeLoad = z.infer<typeof NodeLoad>;

export interface PortfolioResource {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    deletionTimestamp?: string;
    finalizers?: string[];
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: PortfolioSpec;
  status?: PortfolioStatus;
}
