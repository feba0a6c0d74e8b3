import { z } from 'zod';
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
} as const;

export const portfolioAnnotations = {
  /** Set (any value) to ask the operator for an immediate rebalance. */
  rebalance: 'ginkgo.live/rebalance',
  /** Manual order intervention: JSON {clientOrderId, force}. */
  cancelOrder: 'ginkgo.live/cancel-order',
  /** Set (any value) on a Portfolio being deleted to drop the finalizer without waiting for its node. */
  forceDelete: 'ginkgo.live/force-delete',
} as const;

/** The node's answer that a deleted portfolio is stopped and its state archived: the finalizer may go. */
export const deletionHandshake = {
  conditionType: 'Stopped',
  status: 'True',
  reason: 'Deleted',
} as const;

/**
 * Emergency stop of every portfolio (S8.02): one ConfigMap in the operator's namespace.
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
