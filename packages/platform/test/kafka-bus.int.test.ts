import { KafkaMessageBus, createLogger, validatedHandler, type IncomingMessage } from '../src/index.js';
import { PriceUpdate } from '@ginkgo/contracts';
import { requireEnv, uniqueSuffix } from './testbed-env.js';

const logger = createLogger('kafka-smoke');

function collect(n: number) {
  const got: IncomingMessage[] = [];
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  return {
    got,
    done,
    handler: async (m: IncomingMessage) => {
      got.push(m);
      if (got.length >= n) resolve();
    },
  };
}

describe('Kafka (real broker)', () => {
  let bus: KafkaMessageBus;
  beforeAll(() => {
    bus = new KafkaMessageBus({ brokers: requireEnv('KAFKA_BROKERS').split(','), clientId: 'smoke', logger });
  });
  afterAll(async () => bus.close());

  test('S9.02 produce/consume round trip with an idempotent acks=all producer, committed after processing', async () => {
    const topic = `smoke.${uniqueSuffix()}`;
    await bus.ensureTopics([{ topic, partitions: 1 }]);
    const producer = await bus.producer();
    await producer.send(topic, [
      { key: 'a', value: 'one' },
      { key: 'a', value: 'two' },
    ]);
    const groupId = `smoke-${uniqueSuffix()}`;
    const first = collect(2);
    const consumer = await bus.consumer({ groupId, topics: [topic], fromBeginning: true });
    await consumer.run(first.handler);
    await first.done;
    expect(first.got.map((m) => m.value)).toEqual(['one', 'two']);
    await consumer.close();

    // Same group again: committed offsets mean nothing is redelivered, only the new message.
    await producer.send(topic, [{ key: 'a', value: 'three' }]);
    const second = collect(1);
    const again = await bus.consumer({ groupId, topics: [topic], fromBeginning: true });
    await again.run(second.handler);
    await second.done;
    expect(second.got.map((m) => m.value)).toEqual(['three']);
    await again.close();
    await producer.close();
  });

  test('a new group starts at the log end once: what is produced while it is away (nothing committed yet) is read on its return', async () => {
    const topic = `smoke.pin.${uniqueSuffix()}`;
    await bus.ensureTopics([{ topic, partitions: 2 }]);
    const producer = await bus.producer();
    await producer.send(topic, [{ key: 'old', value: 'before the group existed' }]);
    const groupId = `smoke-pin-${uniqueSuffix()}`;
    const first = await bus.consumer({ groupId, topics: [topic] });
    await first.run(async () => undefined);
    await first.joined();
    await first.close(); // nothing consumed, nothing committed by the consumer itself
    await producer.send(topic, [
      { key: 'a', value: 'while away 1' },
      { key: 'b', value: 'while away 2' },
    ]);
    const back = collect(2);
    const again = await bus.consumer({ groupId, topics: [topic] });
    await again.run(back.handler);
    await back.done;
    expect(back.got.map((m) => m.value).sort()).toEqual(['while away 1', 'while away 2']);
    await again.close();
    await producer.close();
  });

  test('malformed messages go to the dead-letter topic and the consumer carries on', async () => {
    const topic = `smoke.dl.${uniqueSuffix()}`;
    await bus.ensureTopics([{ topic, partitions: 1 }, { topic: `${topic}.dlq`, partitions: 1 }]);
    const producer = await bus.producer();
    const tick = { type: 'price', eventId: 'e1', ts: 1, seq: 1, market: 'cn', code: '600000.SH', price: 1000 };
    await producer.send(topic, [
      { key: 'x', value: '{not json' },
      { key: 'x', value: JSON.stringify({ ...tick, price: -5 }) },
      { key: 'x', value: JSON.stringify(tick) },
    ]);
    const good: string[] = [];
    const dead: string[] = [];
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    const consumer = await bus.consumer({ groupId: `smoke-${uniqueSuffix()}`, topics: [topic], fromBeginning: true });
    await consumer.run(
      validatedHandler({
        schema: PriceUpdate,
        producer,
        logger,
        handle: async (v) => {
          good.push(v.eventId);
          resolve();
        },
        onDeadLetter: (dl) => dead.push(dl.error),
      }),
    );
    await done;
    expect(good).toEqual(['e1']);
    expect(dead).toHaveLength(2);
    expect(dead[0]).toMatch(/not JSON/);
    expect(dead[1]).toMatch(/^price: /);
    await consumer.close();
    await producer.close();
  });
});
