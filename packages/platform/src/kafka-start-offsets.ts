import type { Admin, Consumer } from 'kafkajs';
import type { Logger } from './logger.js';
import { sleepUnref } from './kafka-client.js';

/** Per topic, the log end of each partition when the consumer was created. */
export type LogEnds = Map<string, { partition: number; offset: string }[]>;

/**
 * A group without a committed offset starts at the log end, which kafkajs resolves at its first fetch and
 * again on every rejoin until something is committed: a consumer whose first fetch, or rejoin, falls in a
 * broker outage would skip everything produced meanwhile. So the log ends are noted when the consumer is
 * created, and every join that finds a partition still uncommitted seeks it there: the consumer reads
 * everything produced since its creation (at worst a message twice; handlers are idempotent). Best effort:
 * a topic that does not exist yet is left to kafkajs.
 */
export async function noteLogEnds(
  admin: () => Promise<Admin>,
  topics: (string | RegExp)[],
  log: Logger,
): Promise<LogEnds> {
  const ends: LogEnds = new Map();
  try {
    const a = await admin();
    const existing = new Set(await a.listTopics());
    for (const topic of topics) {
      if (typeof topic !== 'string' || !existing.has(topic)) continue;
      ends.set(
        topic,
        (await a.fetchTopicOffsets(topic)).map((e) => ({ partition: e.partition, offset: e.high })),
      );
    }
  } catch (err) {
    log.debug({ err }, 'log ends not noted: a rejoin before the first commit starts at the log end');
  }
  return ends;
}

/**
 * Seeks the partitions still without a commit to the noted start, and commits that start: a group with no
 * commit reports no lag, so a consumer stuck on its first message would look idle to the lag alert. Retried
 * while the broker is unreachable and the join is still the current one.
 */
export async function seekUncommitted(
  admin: () => Promise<Admin>,
  c: Consumer,
  groupId: string,
  ends: LogEnds,
  log: Logger,
  current: () => boolean,
): Promise<void> {
  for (let attempt = 0; current(); attempt++) {
    try {
      const a = await admin();
      for (const [topic, partitions] of ends) {
        const [committed] = await a.fetchOffsets({ groupId, topics: [topic] });
        const unset = new Set(
          (committed?.partitions ?? []).filter((p) => BigInt(p.offset) < 0n).map((p) => p.partition),
        );
        const start = partitions.filter((p) => unset.has(p.partition));
        for (const p of start) if (current()) c.seek({ topic, partition: p.partition, offset: p.offset });
        if (start.length > 0 && current()) {
          await c
            .commitOffsets(start.map((p) => ({ topic, partition: p.partition, offset: p.offset })))
            .catch((err: unknown) => {
              log.debug({ topic, err }, 'start offsets not committed: lag stays unknown until the first commit');
            });
        }
      }
      return;
    } catch (err) {
      if (attempt === 0) log.warn({ err }, 'joined before the first commit, cannot seek to the start yet: retrying');
      await sleepUnref(Math.min(200 * 2 ** attempt, 5000));
    }
  }
}
