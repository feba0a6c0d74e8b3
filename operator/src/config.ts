import os from 'node:os';
import { z } from 'zod';
import { PortEnv, loadConfig } from '@ginkgo/platform';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const seconds = (def: number) =>
  z.coerce.number({ message: 'must be a number of seconds' }).positive('must be > 0').default(def);

/** Operator settings from the environment; every problem is listed at once (ConfigError). */
export const OperatorEnv = z.object({
  KUBECONFIG: z.string().min(1).optional(),
  WATCH_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a Kubernetes namespace name')
    .default('default'),
  OPERATOR_ID: z.string().min(1).max(128).default(os.hostname()),
  HEALTH_PORT: PortEnv.default(8081),
  LEADER_LEASE_SECONDS: seconds(15),
  /** Extra seconds after a node Lease expires before its portfolios move (clock skew allowance). */
  NODE_LEASE_GRACE_SECONDS: z.coerce
    .number({ message: 'must be a number of seconds' })
    .min(0, 'must be >= 0')
    .default(1),
  INSTALL_CRDS: bool.default(false),
  /**
   * Parallel reconciles (assignment decisions stay serialized; only API writes overlap). 32: the apiserver, not
   * the operator, is the limit then (bench: 2,000 portfolios 29.7 s with 8, 15.8 s with 32). 64 lets the
   * assignments keep up with a burst of creates on an idle apiserver (10k bench: create -> assigned p50 5 s
   * instead of 16 s, the same total), but on an apiserver 10x slower than usual the writes waited longer than
   * the 30 s reconcile timeout and the retries piled up on the abandoned ones (operator README).
   */
  RECONCILE_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(32),
  /** A node reporting this queue depth (ginkgo.live/load) gets no new portfolios. */
  OVERLOAD_QUEUE_DEPTH: z.coerce.number().int().positive().default(1000),
  /** Level-triggered pass over every cached portfolio (no API call unless something must change). */
  RESYNC_SECONDS: z.coerce.number().min(0).default(60),
  /** Full re-list of the portfolios under the watch (a safety net; each costs the apiserver the whole list). */
  RELIST_SECONDS: z.coerce.number().min(0).default(600),
  /** Planned moves wait this long for the node to release the portfolio (status.releasedEpoch); 0 = at once. */
  HANDOVER_TIMEOUT_SECONDS: z.coerce
    .number({ message: 'must be a number of seconds' })
    .min(0, 'must be >= 0')
    .default(5),
});
export type OperatorEnv = z.input<typeof OperatorEnv>;

export interface OperatorConfig {
  kubeconfig?: string;
  namespace: string;
  operatorId: string;
  healthPort: number;
  leaderLeaseSeconds: number;
  nodeLeaseGraceSeconds: number;
  installCrds: boolean;
  concurrency: number;
  overloadQueueDepth: number;
  resyncSeconds: number;
  /** See RELIST_SECONDS (default 600). */
  relistSeconds?: number;
  /** See HANDOVER_TIMEOUT_SECONDS (default 0 here: move at once). */
  handoverTimeoutSeconds?: number;
}

export function loadOperatorConfig(env: NodeJS.ProcessEnv = process.env): OperatorConfig {
  const e = loadConfig(OperatorEnv, env);
  return {
    ...(e.KUBECONFIG ? { kubeconfig: e.KUBECONFIG } : {}),
    namespace: e.WATCH_NAMESPACE,
    operatorId: e.OPERATOR_ID,
    healthPort: e.HEALTH_PORT,
    leaderLeaseSeconds: e.LEADER_LEASE_SECONDS,
    nodeLeaseGraceSeconds: e.NODE_LEASE_GRACE_SECONDS,
    installCrds: e.INSTALL_CRDS,
    concurrency: e.RECONCILE_CONCURRENCY,
    overloadQueueDepth: e.OVERLOAD_QUEUE_DEPTH,
    resyncSeconds: e.RESYNC_SECONDS,
    relistSeconds: e.RELIST_SECONDS,
    handoverTimeoutSeconds: e.HANDOVER_TIMEOUT_SECONDS,
  };
}
