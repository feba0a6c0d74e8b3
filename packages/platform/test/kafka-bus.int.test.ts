import { Kafka, logLevel } from 'kafkajs';
import { KafkaMessageBus, createLogger, validatedHandler } from '../src/index.js';
import { parseProduceRequest, startKafkaProxy, type ProduceRequestSummary } from '../src/testing/index.js';
import { PriceUpdate } from '@ginkgo/contracts';
import { uniqueSuffix } from './testbed-env.js';
import { collectMessages, testbedBrokers, waitUntil } from './kafka-test-support.js';

const logger = createLogger('kafka-smoke');
const quiet = logger.child({}, { level: 'silent' });

describe('Kafka (real broker)', () => {
  let bus: KafkaMessageBus;
  beforeAll(() => {
    bus = new KafkaMessageBus({ brokers: testbedBrokers(), clientId: 'smoke', logger });
  });
  afterAll(async () => bus.close());

  test('S9.02 produce/consume round trip with an idempotent acks=all producer (seen on the wire), committed after processing', async () => {
    const topic = `smoke.${uniqueSuffix()}`;
    await bus.ensureTopics([{ topic, partitions: 1 }]);
    // The producer talks to the broker through a proxy that decodes its Produce requests.
    const produced: ProduceRequestSummary[] = [];
    const proxy = await startKafkaProxy({
      brokerPort: Number(testbedBrokers()[0]!.split(':')[1]),
      onRequest: (r) => {
        const p = parseProduceRequest(r.frame);
        if (p?.batches.some((b) => b.topic === topic)) produced.push(p);
      },
    });
    const wired = new KafkaMessageBus({ brokers: [`127.0.0.1:${proxy.port}`], clientId: 'smoke-wire', logger: quiet });
    const producer = await wired.producer();
    await producer.send(topic, [
      { key: 'a', value: 'one' },
      { key: 'a', value: 'two' },
    ]);
    const groupId = `smoke-${uniqueSuffix()}`;
    const first = collectMessages(2);
    const consumer = await bus.consumer({ groupId, topics: [topic], fromBeginning: true });
    await consumer.run(first.handler);
    await first.done;
    expect(first.got.map((m) => m.value)).toEqual(['one', 'two']);
    await consumer.close();

    // Same group again: committed offsets mean nothing is redelivered, only the new message.
    await producer.send(topic, [{ key: 'a', value: 'three' }]);
    const second = collectMessages(1);
    const again = await bus.consumer({ groupId, topics: [topic], fromBeginning: true });
    await again.run(second.handler);
    await second.done;
    expect(second.got.map((m) => m.value)).toEqual(['three']);
    await again.close();
    await producer.close();
    await wired.close();
    await proxy.close();
    // acks=all on every request; each batch carries one producer id (idempotence: the broker de-duplicates
    // retries by it) and sequence numbers that continue across sends.
    expect(produced.length).toBeGreaterThanOrEqual(2);
    expect(produced.map((p) => p.acks)).toEqual(produced.map(() => -1));
    const batches = produced.flatMap((p) => p.batches.filter((b) => b.topic === topic));
    expect(batches.map((b) => b.records)).toEqual([2, 1]);
    expect(batches[0]!.producerId).toBeGreaterThanOrEqual(0n);
    expect(batches[1]!.producerId).toBe(batches[0]!.producerId);
    expect(batches.map((b) => b.baseSequence)).toEqual([0, 2]);
  });

  test('S5.01 a consumer that loses the broker before its first commit reads, on its return, what was produced meanwhile', async () => {
    const topic = `smoke.rejoin.${uniqueSuffix()}`;
    await bus.ensureTopics([{ topic, partitions: 2 }]);
    const proxy = await startKafkaProxy({ brokerPort: Number(testbedBrokers()[0]!.split(':')[1]) });
    const cut = new KafkaMessageBus({ brokers: [`127.0.0.1:${proxy.port}`], clientId: 'smoke-cut', logger: quiet });
    const producer = await bus.producer();
    try {
      const got = collectMessages(2);
      const consumer = await cut.consumer({ groupId: `smoke-rejoin-${uniqueSuffix()}`, topics: [topic] });
      await consumer.run(got.handler);
      await consumer.joined();
      proxy.cut(); // nothing consumed, nothing committed yet
      await producer.send(topic, [
        { key: 'a', value: 'during the outage 1' },
        { key: 'b', value: 'during the outage 2' },
      ]);
      // The consumer lost its connections and is retrying: wait until the proxy has refused a reconnect.
      const refusedBefore = proxy.refused;
      await waitUntil('the consumer retried through the cut link', () => proxy.refused > refusedBefore);
      proxy.restore();
      await got.done;
      expect(got.got.map((m) => m.value).sort()).toEqual(['during the outage 1', 'during the outage 2']);
    } finally {
      proxy.restore();
      await producer.close();
      await cut.close();
      await proxy.close();
    }
  }, 90000);

  test('S9.01 a message accepted and settled later is committed only once settled; a rejected settle is replayed', async () => {
    const topic = `smoke.settle.${uniqueSuffix()}`;
    await bus.ensureTopics([{ topic, partitions: 1 }]);
    const producer = await bus.producer();
    await producer.send(
      topic,
      ['m1', 'm2', 'm3'].map((value) => ({ key: 'k', value })),
    );
    const seen: string[] = [];
    const settledOk: string[] = [];
    let failedOnce = false;
    let resolveAll!: () => void;
    const all = new Promise<void>((r) => (resolveAll = r));
    const groupId = `smoke-settle-${uniqueSuffix()}`;
    const consumer = await bus.consumer({ groupId, topics: [topic], fromBeginning: true });
    await consumer.run(async (m) => {
      const value = m.value ?? '';
      seen.push(value);
      // Settled later (as a worker would, after its save); m2 fails the first time.
      const settled = new Promise<void>((resolve, reject) =>
        setTimeout(() => {
          if (value === 'm2' && !failedOnce) {
            failedOnce = true;
            reject(new Error('save failed'));
            return;
          }
          settledOk.push(value);
          if (value === 'm2') resolveAll(); // only after its replay
          resolve();
        }, 50),
      );
      return { settled };
    });
    await all;
    await waitUntil(
      'm3 replayed after m2',
      () => settledOk.includes('m3') && seen.lastIndexOf('m3') > seen.indexOf('m2', seen.indexOf('m2') + 1),
    );
    // m2 (and what came after it) was delivered again; each message settled fine exactly once at the end.
    expect(seen.filter((v) => v === 'm2')).toHaveLength(2);
    expect([...new Set(settledOk)].sort()).toEqual(['m1', 'm2', 'm3']);
    expect(settledOk.filter((v) => v === 'm1')).toHaveLength(1);
    await consumer.close();
    const kafka = new KafkaMessageBus({ brokers: testbedBrokers(), clientId: 'smoke-check', logger: quiet });
    // Everything was committed once settled: the group's committed offset is the log end...
    const admin = new Kafka({
      clientId: 'smoke-offsets',
      brokers: testbedBrokers(),
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(committed?.partitions).toEqual([{ partition: 0, offset: '3', metadata: null }]);
    await admin.disconnect();
    // ...and the same group, reading on, gets the sentinel produced now as its first message: nothing replayed.
    const reader = await kafka.consumer({ groupId, topics: [topic] });
    const again: string[] = [];
    await reader.run(async (m) => void again.push(m.value ?? ''));
    await reader.joined();
    await producer.send(topic, [{ key: 'k', value: 'sentinel' }]);
    await waitUntil('the sentinel', () => again.includes('sentinel'));
    expect(again).toEqual(['sentinel']);
    await reader.close();
    await kafka.close();
    await producer.close();
  }, 60000);

  test('malformed messages go to the dead-letter topic and the consumer carries on', async () => {
    const topic = `smoke.dl.${uniqueSuffix()}`;
    await bus.ensureTopics([
      { topic, partitions: 1 },
      { topic: `${topic}.dlq`, partitions: 1 },
    ]);
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
