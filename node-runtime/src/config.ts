import os from 'node:os';
import { z } from 'zod';
import { ConnectionEnv, PortEnv, loadConfig } from '@ginkgo/platform';

export const NodeRuntimeConfig = z.object({
  NODE_ID: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a DNS label (lower-case letters, digits, -)')
    .default(os.hostname().toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63)),
  MARKETS: z
    .string()
    .default('cn')
    .transform((s) => s.split(',').map((m) => m.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[a-z][a-z0-9-]{0,15}$/, 'must be lower-case market ids')).min(1)),
  ...ConnectionEnv,
  KUBECONFIG: z.string().optional(),
  WATCH_NAMESPACE: z.string().min(1).default('default'),
  HEALTH_PORT: PortEnv.default(8080),
  NODE_LEASE_SECONDS: z.coerce.number().int().min(2).max(300).default(10),
  QUEUE_CAPACITY: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  /**
   * wall: future/stale checks compare event time with this machine's clock (live trading);
   * source: they compare with the latest source time only (replaying a recorded day, tests).
   */
  REFERENCE_CLOCK: z.enum(['wall', 'source']).default('wall'),
  STATUS_INTERVAL_MS: z.coerce.number().int().min(50).default(500),
  /** Most portfolios this node accepts (reported in the Lease's load annotation). */
  CAPACITY: z.coerce.number().int().min(1).default(1000),
  /** A worker busy on one event longer than this is reported stalled (S7.04). */
  WATCHDOG_STALL_MS: z.coerce.number().int().min(100).default(10000),
  METRICS_INTERVAL_MS: z.coerce.number().int().min(100).default(5000),
});
export type NodeRuntimeConfig = z.infer<typeof NodeRuntimeConfig>;

export const loadNodeRuntimeConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(NodeRuntimeConfig, env);
