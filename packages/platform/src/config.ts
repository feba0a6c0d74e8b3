import { z } from 'zod';
import { describeIssues } from '@ginkgo/contracts';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`configuration is invalid:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * A process's configuration from `load`; an invalid one is reported on stderr (every problem, prefixed with the
 * process name) and the process exits 2, before any logger or connection exists.
 */
export function loadConfigOrExit<T>(processName: string, load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${processName}: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/**
 * Validates the whole configuration at start: every problem is listed at once,
 * each naming its environment variable.
 */
export function loadConfig<T extends z.ZodObject>(schema: T, env: NodeJS.ProcessEnv = process.env): z.infer<T> {
  const r = schema.safeParse(env);
  if (!r.success) throw new ConfigError(describeIssues(r.error));
  return r.data;
}

/** Shared env fields for the external systems. */
export const ConnectionEnv = {
  KAFKA_BROKERS: z
    .string()
    .min(1, 'is required (comma-separated host:port list)')
    .regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'must be a comma-separated host:port list'),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL'),
  MYSQL_URL: z.string().regex(/^mysql:\/\//, 'must be a mysql:// URL'),
  /** Start: how long the Kafka topics a process needs may take to exist with elected leaders. */
  KAFKA_TOPIC_WAIT_MS: z.coerce.number().int().min(100).default(60000),
};

export const PortEnv = z.coerce.number().int().min(0).max(65535);
