import { KafkaLogReader, KafkaMessageBus, createLogger, type IncomingMessage } from '../src/index.js';
import { requireEnv, uniqueSuffix } from './testbed-env.js';

const logger = createLogger('kafka-event-order').child({}, { level: 'silent' });
const brokers = () => requireEnv('KAFKA_BROKERS').split(',');
const tsOf = (m: IncomingMessage) => (JSON.parse(m.value ?? '{}') as { ts: number }).ts;

function until(n: number) {
  const got: IncomingMessage[] = [];
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  return {
    got,
    done,
    handler: async (m: IncomingMessage) => {
      got.push(m);
      if (got.length === n) resolve();
    },
  };
}

const backwardSteps = (ts: number[]) => ts.filter((t, i) => i > 0 && t < ts[i - 1]!).length;

describe('Kafka consumer in event-time order (real broker)', () => {
  const bus = new KafkaMessageBus({ brokers: brokers(), clientId: 'event-order', logger });
  const reader = new KafkaLogReader({ brokers: brokers(), clientId: 'event-order-reader', logger });
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
    const first = until(keys.length);
    const before = await bus.consumer({ groupId, topics: [topic], eventTime });
    await before.run(first.handler);
    await before.joined();
    await producer.send(topic, keys.map((key, i) => ({ key, value: JSON.stringify({ ts: i }) })));
    await first.done;
    await before.close();

    // The backlog: every key ticks 100 times, produced in event-time order, spread over the partitions.
    const rounds = 100;
    const backlog = Array.from({ length: rounds }, (_, r) => keys.map((key, i) => ({ key, value: JSON.stringify({ ts: 1000 + r * keys.length + i }) }))).flat();
    await producer.send(topic, backlog);

    // Without ordering, a fresh reader of the same log gets it partition by partition (the fault this fixes).
    const plain = until(backlog.length + keys.length);
    const control = await bus.consumer({ groupId: `${groupId}-plain`, topics: [topic], fromBeginning: true });
    await control.run(plain.handler);
    await plain.done;
    await control.close();
    expect(new Set(plain.got.map((m) => m.partition)).size).toBeGreaterThan(1);
    expect(backwardSteps(plain.got.map(tsOf))).toBeGreaterThan(0);

    const second = until(backlog.length);
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
});
