import type { Admin } from 'kafkajs';
import type { Logger } from './logger.js';
import type { TopicSpec } from './message-bus.js';

/** How long a process waits for its topics at start before it gives up (overridable per bus). */
export const DEFAULT_TOPIC_WAIT_MS = 60000;

/** Thrown when topics a process needs are not usable within its start-up budget: the process must not go on. */
export class TopicsNotReadyError extends Error {
  constructor(
    readonly waitingFor: string[],
    readonly waitedMs: number,
    readonly lastProblem: string,
  ) {
    super(
      `Kafka topics not ready after ${Math.round(waitedMs / 1000)} s: ${waitingFor.join(', ')} (last problem: ${lastProblem})`,
    );
    this.name = 'TopicsNotReadyError';
  }
}

export interface TopicWaitOptions {
  budgetMs: number;
  log: Logger;
  /** For tests: what the wait sleeps with and reads the time from. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const sleepFor = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/**
 * Why a topic cannot be used yet, or undefined when every partition has a leader. A topic that a broker has
 * just created is listed before its partitions have leaders; producing or subscribing in that moment fails
 * with "This server does not host this topic-partition".
 */
async function notReady(admin: Admin, names: string[]): Promise<Map<string, string>> {
  const problems = new Map<string, string>();
  const existing = new Set(await admin.listTopics());
  const present = names.filter((n) => {
    if (existing.has(n)) return true;
    problems.set(n, 'does not exist');
    return false;
  });
  if (present.length === 0) return problems;
  const { topics } = await admin.fetchTopicMetadata({ topics: present });
  const seen = new Set<string>();
  for (const t of topics) {
    seen.add(t.name);
    if (t.partitions.length === 0) problems.set(t.name, 'no partitions yet');
    const leaderless = t.partitions.filter((p) => p.partitionErrorCode !== 0 || p.leader < 0).map((p) => p.partitionId);
    if (leaderless.length > 0) problems.set(t.name, `no leader yet for partition ${leaderless.join(', ')}`);
  }
  for (const n of present) if (!seen.has(n)) problems.set(n, 'not in the metadata yet');
  return problems;
}

/**
 * Creates the missing topics and waits until every partition of every named topic has a leader, retrying with
 * backoff. Says once in the log what it waits for; throws TopicsNotReadyError when the budget runs out.
 * Topics created by another process in the same moment are waited for just the same (kafkajs' own
 * createTopics returns early for a topic that already exists, leaders or not).
 */
export async function ensureTopicsReady(
  admin: () => Promise<Admin>,
  specs: TopicSpec[],
  opts: TopicWaitOptions,
): Promise<void> {
  if (specs.length === 0) return;
  const names = [...new Set(specs.map((s) => s.topic))];
  const sleep = opts.sleep ?? sleepFor;
  const now = opts.now ?? Date.now;
  const started = now();
  let lastProblem = '';
  let waiting = names;
  let said = false;
  for (let attempt = 0; ; attempt++) {
    // kafkajs retries a connection on its own for far longer than a start-up budget: bound each attempt by
    // what is left of it.
    let timer: NodeJS.Timeout | undefined;
    const budgetLeft = new Promise<never>((_, reject) => {
      const left = Math.max(opts.budgetMs - (now() - started), 1);
      timer = setTimeout(() => reject(new Error('no answer from Kafka (broker unreachable or still starting)')), left);
      timer.unref();
    });
    try {
      const attemptDone = attemptOnce();
      attemptDone.catch(() => undefined);
      if (await Promise.race([attemptDone, budgetLeft])) {
        if (said) opts.log.info({ topics: names, waitedMs: now() - started }, 'Kafka topics ready');
        return;
      }
    } catch (err) {
      // The broker may still be starting (no controller, coordinator loading): the same wait covers it.
      lastProblem = err instanceof Error ? err.message : String(err);
    } finally {
      clearTimeout(timer);
    }
    const waited = now() - started;
    if (waited >= opts.budgetMs) throw new TopicsNotReadyError(waiting, waited, lastProblem);
    if (!said && attempt > 0) {
      said = true;
      opts.log.info(
        { topics: waiting, problem: lastProblem, budgetMs: opts.budgetMs },
        'waiting for Kafka topics before use',
      );
    }
    await sleep(Math.min(50 * 2 ** attempt, 2000, Math.max(opts.budgetMs - waited, 1)));
  }

  /** One look: creates what is missing; true when every topic is usable. */
  async function attemptOnce(): Promise<boolean> {
    const a = await admin();
    const problems = await notReady(a, names);
    const missing = specs.filter((s) => problems.get(s.topic) === 'does not exist');
    if (missing.length > 0) {
      await a.createTopics({
        waitForLeaders: false,
        topics: missing.map((t) => ({
          topic: t.topic,
          numPartitions: t.partitions ?? 3,
          replicationFactor: 1,
          configEntries: t.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
        })),
      });
      lastProblem = `created ${missing.map((m) => m.topic).join(', ')}, waiting for leaders`;
      waiting = missing.map((m) => m.topic);
      return false;
    }
    if (problems.size === 0) return true;
    waiting = [...problems.keys()];
    lastProblem = [...problems].map(([t, p]) => `${t}: ${p}`).join('; ');
    return false;
  }
}
