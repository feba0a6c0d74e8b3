import { pino, type Logger } from 'pino';

export type { Logger };

/** pino JSON to stdout; LOG_LEVEL picks the level. The cluster rotates stdout (S8.07). */
export function createLogger(component: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({
    name: component,
    level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'warn' : 'info'),
    base: { component, pid: process.pid, ...bindings },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
