import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ConnectionEnv, PortEnv, loadConfig } from '@ginkgo/platform';

export const NodeRuntimeConfig = z.object({
  NODE_ID: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a DNS label (lower-case letters, digits, -)')
    .default(
      os
        .hostname()
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, '-')
        .slice(0, 63),
    ),
  MARKETS: z
    .string()
    .default('cn')
    .transform((s) =>
      s
        .split(',')
        .map((m) => m.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[a-z][a-z0-9-]{0,15}$/, 'must be lower-case market ids')).min(1)),
  /** Instrument reference data (ST, listing dates, suspensions, board lots), JSON, one file per market, comma-separated. */
  REFERENCE_DATA_FILES: z.string().optional(),
  ...ConnectionEnv,
  KUBECONFIG: z.string().optional(),
  WATCH_NAMESPACE: z.string().min(1).default('default'),
  HEALTH_PORT: PortEnv.default(8080),
  NODE_LEASE_SECONDS: z.coerce.number().int().min(2).max(300).default(10),
  /**
   * Worker threads the portfolios are sharded over (0: all on the node's own thread, which keeps consumers,
   * routing, producer, fencing and the store). Unset: one per core the process is given, none on one core.
   */
  NODE_WORKER_THREADS: z.coerce.number().int().min(0).max(64).optional(),
  QUEUE_CAPACITY: z.coerce.number().int().min(1).max(1_000_000).default(1000),
  /**
   * wall: future/stale checks compare event time with this machine's clock (live trading);
   * source: they compare with the latest source time only (replaying a recorded day, tests).
   */
  /** Strategy packages loaded next to the built-ins, comma separated (Helm: strategies.packages). */
  STRATEGY_PACKAGES: z.string().default(''),
  REFERENCE_CLOCK: z.enum(['wall', 'source']).default('wall'),
  STATUS_INTERVAL_MS: z.coerce.number().int().min(50).default(500),
  /**
   * Full re-list of the Portfolios this often (0: never): the watch can miss updates across an API server outage
   * without an error, and an assignment it missed would leave a portfolio stopped. One list per node each time.
   */
  ASSIGNMENT_RELIST_SECONDS: z.coerce.number().min(0).default(60),
  /** Most portfolios this node accepts (reported in the Lease's load annotation). */
  CAPACITY: z.coerce.number().int().min(1).default(1000),
  /** A worker busy on one event longer than this is reported stalled. */
  WATCHDOG_STALL_MS: z.coerce.number().int().min(100).default(10000),
  METRICS_INTERVAL_MS: z.coerce.number().int().min(100).default(5000),
  /** Start: how long to wait for Kafka, MySQL, the API server (required) and Redis (optional). */
  DEPENDENCY_TIMEOUT_MS: z.coerce.number().int().min(100).default(120000),
  /** MySQL outage: state writes go here (fsync'ed, one file per node) and are flushed in order. */
  SPOOL_DIR: z.string().min(1).default(path.join(os.tmpdir(), 'ginkgo-live-spool')),
  /** Attempts of a state write before it is spooled, and the first retry pause (doubling). */
  STATE_SAVE_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(3),
  STATE_RETRY_BASE_MS: z.coerce.number().int().min(1).default(200),
  SPOOL_FLUSH_INTERVAL_MS: z.coerce.number().int().min(50).default(1000),
  /** Redis hot state (node status, portfolio summaries, last prices): flush interval and TTL. */
  HOT_STATE_INTERVAL_MS: z.coerce.number().int().min(50).default(1000),
  HOT_STATE_TTL_SECONDS: z.coerce.number().int().min(1).default(60),
  /** Dependency probes (ginkgo_node_dependency_up), Redis memory and spool disk checks. */
  DEPENDENCY_CHECK_INTERVAL_MS: z.coerce.number().int().min(100).default(2000),
  MONITOR_INTERVAL_MS: z.coerce.number().int().min(100).default(15000),
  /** Alert when Redis uses more than this many bytes (also without a maxmemory limit). */
  REDIS_MEMORY_ALERT_BYTES: z.coerce.number().int().min(1).optional(),
});
export type NodeRuntimeConfig = z.infer<typeof NodeRuntimeConfig>;

export const loadNodeRuntimeConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(NodeRuntimeConfig, env);
