import { z } from 'zod';
import { ConnectionEnv, PortEnv, loadConfig } from '@ginkgo/platform';

export const LivecoreConfig = z.object({
  MARKET: z.string().regex(/^[a-z][a-z0-9-]{0,15}$/, 'must be a lower-case market id like "cn"').default('cn'),
  KAFKA_BROKERS: ConnectionEnv.KAFKA_BROKERS,
  MYSQL_URL: ConnectionEnv.MYSQL_URL,
  HEALTH_PORT: PortEnv.default(8082),
  BROKER: z.enum(['paper']).default('paper'),
  /** Largest fill per match on the paper exchange (partial fills below the order volume). */
  PAPER_MAX_FILL_VOLUME: z.coerce.number().int().positive().optional(),
  /** Replay a recorded tape into market.data.<market> at start (optional). */
  FEEDER_TAPE: z.string().optional(),
});
export type LivecoreConfig = z.infer<typeof LivecoreConfig>;

export const loadLivecoreConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(LivecoreConfig, env);
