import type { PortfolioSpec, PortfolioStatus } from './portfolio-spec.js';

/**
 * The Portfolio custom resource and the conventions the operator and the nodes share.
 *
 * Ownership of status fields (merge patches on disjoint fields, so writers never clobber):
 * - operator: phase (Pending/Assigned/Stopped/Failed/Halted), observedGeneration, assignedNode, epoch,
 *   conditions Accepted/Assigned;
 * - the assigned node: phase Running/Degraded, cash, equity, pnl, positions, lastEventTime, condition Ready.
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
} as const;

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
