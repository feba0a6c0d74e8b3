import { logLevel, type Admin, type Kafka, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from './logger.js';

const levelName: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** Routes kafkajs' own log lines into our logger (as `lib: kafkajs`), with the namespace and extra fields. */
export function kafkajsLogCreator(logger: Logger): logCreator {
  const log = logger.child({ lib: 'kafkajs' });
  return () => (entry: LogEntry) => {
    const { message, ...extra } = entry.log;
    log[levelName[entry.level] ?? 'info']({ ns: entry.namespace, ...extra }, message);
  };
}

/** Rejects after `ms` when `p` has not settled by then; `p`'s own late failure is swallowed. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  p.catch(() => undefined);
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Sleeps without keeping the process alive. */
export const sleepUnref = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/** One admin client per Kafka client, connected at first use; a failed connect is tried again next time. */
export class LazyAdmin {
  private admin?: Admin;

  constructor(private readonly kafka: Kafka) {}

  async get(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    return this.admin;
  }

  async close(): Promise<void> {
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = undefined;
  }
}
