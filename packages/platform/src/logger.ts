import { pino, type Logger } from 'pino';

export type { Logger };

/** Every logger createLogger made in this process, so a runtime log-level change reaches them all. */
const createdLoggers = new Set<WeakRef<Logger>>();
const forget = new FinalizationRegistry<WeakRef<Logger>>((ref) => createdLoggers.delete(ref));

/** pino JSON to stdout; LOG_LEVEL picks the level. The cluster rotates stdout. */
export function createLogger(component: string, bindings: Record<string, unknown> = {}): Logger {
  const logger = pino({
    name: component,
    level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'warn' : 'info'),
    base: { component, pid: process.pid, ...bindings },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
  const ref = new WeakRef(logger);
  createdLoggers.add(ref);
  forget.register(logger, ref);
  return logger;
}

/**
 * Sets the level of every logger createLogger made (and so of their children that did not pick their own
 * level: pino children inherit it through the prototype). Returns how many loggers were changed.
 */
export function setLogLevelEverywhere(level: string): number {
  let n = 0;
  for (const ref of createdLoggers) {
    const logger = ref.deref();
    if (!logger) {
      createdLoggers.delete(ref);
      continue;
    }
    logger.level = level;
    n++;
  }
  return n;
}
