import { z } from 'zod';
import { ConnectionEnv, PortEnv, loadConfig } from '@ginkgo/platform';

const optionalInt = (min: number) => z.coerce.number().int().min(min).optional();

export const LivecoreConfig = z.object({
  MARKET: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,15}$/, 'must be a lower-case market id like "cn"')
    .default('cn'),
  KAFKA_BROKERS: ConnectionEnv.KAFKA_BROKERS,
  MYSQL_URL: ConnectionEnv.MYSQL_URL,
  KAFKA_TOPIC_WAIT_MS: ConnectionEnv.KAFKA_TOPIC_WAIT_MS,
  HEALTH_PORT: PortEnv.default(8082),
  BROKER: z.enum(['paper']).default('paper'),
  /** Largest fill per quote on the paper exchange (partial fills below the order volume). */
  PAPER_MAX_FILL_VOLUME: optionalInt(1),
  /** Delay between a request and the paper venue acting on it, ms. */
  PAPER_LATENCY_MS: z.coerce.number().int().min(0).default(0),
  /** Share (0..1] of each quote's volume an order may take. */
  PAPER_VOLUME_PARTICIPATION: z.coerce.number().gt(0).max(1).optional(),
  /**
   * What the paper exchange matches an order against: the market at the order's event time (deterministic,
   * replays are identical) or the quote it holds when the order arrives (live realism, races the market data).
   */
  PAPER_MATCH: z.enum(['event-time', 'current-quote']).default('event-time'),
  /** Cash of a paper account the first time it is seen, in yuan (decimal). */
  PAPER_DEFAULT_CASH: z
    .string()
    .regex(/^\d+(\.\d{1,2})?$/, 'must be a decimal amount like "1000000.00"')
    .optional(),
  /** Cancel orders still working this long after submission. */
  ORDER_TIMEOUT_MS: optionalInt(1),
  SUBMIT_RETRY_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(3),
  SUBMIT_RETRY_BACKOFF_MS: z.coerce.number().int().min(0).default(200),
  /** Replay a recorded tape (JSON or CSV) into market.data.<market> at start (optional). */
  FEEDER_TAPE: z.string().optional(),
  /** Instrument reference data (ST, listing dates, suspensions, board lots), JSON, one file per market, comma-separated. */
  REFERENCE_DATA_FILES: z.string().optional(),
  /** JSON file listing the feeder's sources (primary first, then backups); watched and hot-reloaded. */
  FEEDER_SOURCES_FILE: z.string().optional(),
  /** Publish only the codes some node asked for on interest.updates. */
  FEEDER_FILTER_BY_INTEREST: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
});
export type LivecoreConfig = z.infer<typeof LivecoreConfig>;

export const loadLivecoreConfig = (env: NodeJS.ProcessEnv = process.env) => loadConfig(LivecoreConfig, env);
