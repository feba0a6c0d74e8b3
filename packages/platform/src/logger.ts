import { BroadcastChannel, isMainThread } from 'node:worker_threads';
import { pino, type Logger } from 'pino';

export type { Logger };

/** Every logger createLogger made in this process, so a runtime log-level change reaches them all. */
const createdLoggers = new Set<WeakRef<Logger>>();
const forget = new FinalizationRegistry<WeakRef<Logger>>((ref) => createdLoggers.delete(ref));

/**
 * A level change goes to every thread of the process (the node's worker threads make their own loggers): the
 * thread that changed it posts it here, the others apply it. Unref'd, so it never keeps a process or thread alive.
 */
const LEVEL_CHANNEL = 'ginkgo:log-level';
let levelChannel: BroadcastChannel | undefined;
function levels(): BroadcastChannel {
  if (!levelChannel) {
    levelChannel = new BroadcastChannel(LEVEL_CHANNEL);
    levelChannel.onmessage = (e) => {
      const level = (e as { data?: unknown }).data;
      if (typeof level === 'string') applyLevel(level);
    };
    levelChannel.unref();
  }
  return levelChannel;
}

/** pino JSON to stdout; LOG_LEVEL picks the level. The cluster rotates stdout. */
export function createLogger(component: string, bindings: Record<string, unknown> = {}): Logger {
  // A worker thread listens from its first logger on (the main thread only posts, when a level changes).
  if (!isMainThread) levels();
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
 * Sets the level of every logger createLogger made, in this thread and in every other thread of the process
 * (and so of their children that did not pick their own level: pino children inherit it through the
 * prototype). Returns how many loggers of this thread were changed.
 */
export function setLogLevelEverywhere(level: string): number {
  levels().postMessage(level);
  return applyLevel(level);
}

function applyLevel(level: string): number {
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
