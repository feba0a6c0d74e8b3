import type { Admin } from 'kafkajs';
import { createLogger, ensureTopicsReady, TopicsNotReadyError } from '../src/index.js';

type Partition = { partitionId: number; leader: number; partitionErrorCode: number };

/** An admin over a scripted broker: each metadata call advances the topics one step toward having leaders. */
function scriptedAdmin(topics: Map<string, Partition[][]>) {
  const created: string[] = [];
  const step = new Map<string, number>();
  const admin = {
    listTopics: async () => [...topics.keys()],
    createTopics: async ({ topics: specs }: { topics: { topic: string; numPartitions: number }[] }) => {
      for (const s of specs) {
        created.push(`${s.topic}/${s.numPartitions}`);
        // Just created: listed at once, leaders only after two more looks.
        const none = Array.from({ length: s.numPartitions }, (_, i) => ({
          partitionId: i,
          leader: -1,
          partitionErrorCode: 5,
        }));
        const led = none.map((p) => ({ ...p, leader: 1, partitionErrorCode: 0 }));
        topics.set(s.topic, [none, none, led]);
      }
      return true;
    },
    fetchTopicMetadata: async ({ topics: names }: { topics: string[] }) => ({
      topics: names.map((name) => {
        const states = topics.get(name)!;
        const i = Math.min(step.get(name) ?? 0, states.length - 1);
        step.set(name, i + 1);
        return { name, partitions: states[i]! };
      }),
    }),
  };
  return { admin: admin as unknown as Admin, created };
}

const quiet = createLogger('kafka-topics-test');
quiet.level = 'silent';
/** A clock that moves only when the wait sleeps: no real time passes in these tests. */
function fakeTime() {
  let t = 0;
  const slept: number[] = [];
  return { now: () => t, sleep: async (ms: number) => void (slept.push(ms), (t += ms)), slept };
}

test('a topic listed before its partitions have leaders is waited for, not used', async () => {
  const leaderless = [
    { partitionId: 0, leader: -1, partitionErrorCode: 5 },
    { partitionId: 1, leader: 1, partitionErrorCode: 0 },
  ];
  const led = leaderless.map((p) => ({ ...p, leader: 1, partitionErrorCode: 0 }));
  const { admin, created } = scriptedAdmin(new Map([['md', [leaderless, leaderless, leaderless, led]]]));
  const time = fakeTime();
  await ensureTopicsReady(async () => admin, [{ topic: 'md' }], { budgetMs: 10000, log: quiet, ...time });
  expect(created).toEqual([]);
  expect(time.slept).toHaveLength(3);
});

test('missing topics are created with their partition count and waited for until they have leaders', async () => {
  const { admin, created } = scriptedAdmin(new Map());
  const time = fakeTime();
  await ensureTopicsReady(
    async () => admin,
    [
      { topic: 'orders', partitions: 3 },
      { topic: 'dlq', partitions: 1 },
    ],
    { budgetMs: 10000, log: quiet, ...time },
  );
  expect(created).toEqual(['orders/3', 'dlq/1']);
  // created, then two leaderless looks, then ready
  expect(time.slept.length).toBeGreaterThanOrEqual(2);
});

test('S4.06 topics that never get leaders stop the start after the budget with an error naming them', async () => {
  const leaderless = [{ partitionId: 0, leader: -1, partitionErrorCode: 5 }];
  const { admin } = scriptedAdmin(
    new Map([
      ['md', [leaderless]],
      ['ok', [[{ partitionId: 0, leader: 1, partitionErrorCode: 0 }]]],
    ]),
  );
  const time = fakeTime();
  const wait = ensureTopicsReady(async () => admin, [{ topic: 'md' }, { topic: 'ok' }], {
    budgetMs: 5000,
    log: quiet,
    ...time,
  });
  await expect(wait).rejects.toBeInstanceOf(TopicsNotReadyError);
  await expect(wait).rejects.toThrow(
    /Kafka topics not ready after 5 s: md \(last problem: md: no leader yet for partition 0\)/,
  );
  expect(time.now()).toBeGreaterThanOrEqual(5000);
});

test('S4.06 a broker that cannot be reached at all is retried within the budget, then named in the error', async () => {
  const time = fakeTime();
  let calls = 0;
  const wait = ensureTopicsReady(
    async () => {
      calls++;
      throw new Error('Connection error: connect ECONNREFUSED 127.0.0.1:1');
    },
    [{ topic: 'md' }],
    { budgetMs: 3000, log: quiet, ...time },
  );
  await expect(wait).rejects.toThrow(/not ready after 3 s: md \(last problem: Connection error: connect ECONNREFUSED/);
  expect(calls).toBeGreaterThan(3);
});
