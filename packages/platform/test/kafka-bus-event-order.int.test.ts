import { z } from 'zod';
import {
  KafkaLogReader,
  KafkaMessageBus,
  MessageChecker,
  createLogger,
  validatedHandler,
  type IncomingMessage,
} from '../src/index.js';
import { uniqueSuffix } from './testbed-env.js';
import { collectMessages, testbedBrokers } from './kafka-test-support.js';

const logger = createLogger('kafka-event-order').child({}, { level: 'silent' });
const tsOf = (m: IncomingMessage) => (JSON.parse(m.value ?? '{}') as { ts: number }).ts;

const Tick = z.object({ ts: z.number().int().nonnegative(), code: z.string() });
const backwardSteps = (ts: number[]) => ts.filter((t, i) => i > 0 && t < ts[i - 1]!).length;

describe('Kafka consumer in event-time order (real broker)', () => {
  const bus = new KafkaMessageBus({ brokers: testbedBrokers(), clientId: 'event-order', logger });
  const reader = new KafkaLogReader({ brokers: testbedBrokers(), clientId: 'event-order-reader', logger });
  afterAll(async () => {
    await bus.close();
    await reader.close();
  });

  test('S5.01 S9.01 a rebuilt consumer reading a backlog across partitions hands it on in event-time order and commits it all', async () => {
    const topic = `event-order.${uniqueSuffix()}`;
    await bus.ensureTopics([{ topic, partitions: 3 }]);
    const keys = Array.from({ length: 6 }, (_, i) => `code-${i}`);
    const producer = await bus.producer();
    const groupId = `event-order-${uniqueSuffix()}`;
    const eventTime = tsOf;

    // A first consumer of the group reads and commits one message per key, then goes away (crash, rebuild).
    const first = collectMessages(keys.length);
    const before = await bus.consumer({ groupId, topics: [topic], eventTime });
    await before.run(first.handler);
    await before.joined();
    await producer.send(
      topic,
      keys.map((key, i) => ({ key, value: JSON.stringify({ ts: i }) })),
    );
    await first.done;
    await before.close();

    // The backlog: every key ticks 100 times, produced in event-time order, spread over the partitions.
    const rounds = 100;
    const backlog = Array.from({ length: rounds }, (_, r) =>
      keys.map((key, i) => ({ key, value: JSON.stringify({ ts: 1000 + r * keys.length + i }) })),
    ).flat();
    await producer.send(topic, backlog);

    // Without ordering, a fresh reader of the same log gets it partition by partition (the fault this fixes).
    const plain = collectMessages(backlog.length + keys.length);
    const control = await bus.consumer({ groupId: `${groupId}-plain`, topics: [topic], fromBeginning: true });
    await control.run(plain.handler);
    await plain.done;
    await control.close();
    expect(new Set(plain.got.map((m) => m.partition)).size).toBeGreaterThan(1);
    expect(backwardSteps(plain.got.map(tsOf))).toBeGreaterThan(0);

    const second = collectMessages(backlog.length);
    const after = await bus.consumer({ groupId, topics: [topic], eventTime });
    await after.run(second.handler);
    await second.done;
    const ts = second.got.map(tsOf);
    expect(backwardSteps(ts)).toBe(0);
    expect(ts).toEqual(backlog.map((m) => (JSON.parse(m.value) as { ts: number }).ts));
    // Exactly-once bookkeeping intact: every offset committed, in order, once handled.
    for (;;) {
      const lag = await reader.groupLag(groupId, topic);
      if (lag.every((l) => l.lag === 0)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await after.close();
    await producer.close();
  }, 60000);

  test('S9.01 a malformed value with a bogus event time does not reorder the valid messages behind it', async () => {
    const topic = `event-order-bad.${uniqueSuffix()}`;
    await bus.ensureTopics([{ topic, partitions: 3 }]);
    const keys = Array.from({ length: 6 }, (_, i) => `code-${i}`);
    const producer = await bus.producer();
    // Every partition starts with a value that fails the schema (no code) but carries a far-future `ts`.
    const bad = keys.map((key) => ({ key, value: JSON.stringify({ ts: 9e15 }) }));
    const good = Array.from({ length: 20 }, (_, r) =>
      keys.map((key, i) => ({ key, value: JSON.stringify({ ts: 1000 + r * keys.length + i, code: key }) })),
    ).flat();
    await producer.send(topic, [...bad, ...good]);
    const readBacklog = async (
      eventTime: (m: IncomingMessage) => number | undefined,
      checker?: MessageChecker<z.ZodType>,
    ) => {
      const valid = collectMessages(good.length);
      const k = await bus.consumer({
        groupId: `event-order-bad-${uniqueSuffix()}`,
        topics: [topic],
        fromBeginning: true,
        eventTime,
      });
      await k.run(
        validatedHandler({
          schema: Tick,
          ...(checker ? { checker } : {}),
          producer,
          logger,
          handle: (_v, m) => valid.handler(m),
        }),
      );
      await valid.done;
      await k.close();
      return valid.got.map(tsOf);
    };
    // Ordered by any numeric `ts` (what the node did): a partition's valid messages wait behind its bad head.
    expect(backwardSteps(await readBacklog(tsOf))).toBeGreaterThan(0);
    // Ordered by the checked value: a malformed message has no event time and keeps its place.
    const checker = new MessageChecker(Tick);
    const ts = await readBacklog(
      checker.eventTime((v) => v.ts),
      checker,
    );
    expect(ts).toEqual(good.map((m) => (JSON.parse(m.value) as { ts: number }).ts));
    await producer.close();
  }, 60000);
});
