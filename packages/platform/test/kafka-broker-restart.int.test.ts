import { Writable } from 'node:stream';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { KafkaMessageBus, type IncomingMessage } from '../src/index.js';
import { PrivateKafka } from './private-kafka.js';

/** A logger whose lines the test reads (the watchdog says when it rebuilds a consumer). */
function recordingLogger() {
  const lines: { msg?: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as { msg?: string });
      done();
    },
  });
  return { logger: pino({ level: 'warn' }, sink), lines };
}

describe('Kafka consumer across a broker restart (a private broker)', () => {
  let kafka: PrivateKafka | undefined;
  afterAll(async () => {
    await kafka?.destroy();
  }, 60000);

  test('S5.01 after a broker restart a consumer resumes on its own and loses nothing: no watchdog rebuild, no restart as a new group member', async () => {
    kafka = await PrivateKafka.create();
    await kafka.start();
    const { logger, lines } = recordingLogger();
    const bus = new KafkaMessageBus({ brokers: [`127.0.0.1:${kafka.port}`], clientId: 'restart', logger });
    const topic = 'restart.test';
    await bus.ensureTopics([{ topic, partitions: 3 }]);
    const got = new Map<string, number>();
    const consumer = await bus.consumer({ groupId: 'restart-group', topics: [topic] });
    await consumer.run(async (m: IncomingMessage) => {
      if (m.value && !got.has(m.value)) got.set(m.value, Date.now());
    });
    await consumer.joined();
    const producer = await bus.producer();
    const until = async (what: string, ok: () => boolean) => {
      while (!ok()) await new Promise((r) => setTimeout(r, 100));
      return what;
    };
    const before = ['b0', 'b1', 'b2', 'b3', 'b4', 'b5'];
    await producer.send(
      topic,
      before.map((v) => ({ key: v, value: v })),
    );
    await until('before consumed', () => before.every((v) => got.has(v)));

    // From here on: what the restart caused (a first join on a new broker may restart kafkajs once).
    const fromStop = lines.length;
    await kafka.stop();
    await kafka.start();
    const back = Date.now();
    const after = ['a0', 'a1', 'a2', 'a3', 'a4', 'a5'];
    await producer.send(
      topic,
      after.map((v) => ({ key: v, value: v })),
    );
    await until('after consumed', () => after.every((v) => got.has(v)));
    const resumedMs = Math.min(...after.map((v) => got.get(v)!)) - back;
    process.stdout.write(`S5.01 broker restart: consumer resumed ${resumedMs} ms after the broker listened again\n`);
    const sinceStop = lines.slice(fromStop);
    const rebuilt = sinceStop.filter((l) => l.msg?.startsWith('Kafka consumer rebuilt')).length;
    const restarted = sinceStop.filter((l) => l.msg?.startsWith('Restarting the consumer')).length;
    process.stdout.write(
      `S5.01 broker restart: consumer rebuilt by the watchdog ${rebuilt} time(s), restarted by kafkajs ${restarted} time(s)\n`,
    );
    expect([...before, ...after].filter((v) => !got.has(v))).toEqual([]);
    // It kept its group membership through the outage: a consumer that restarts joins as a new member, which the
    // group admits only once the old member's session is over, and the watchdog's rebuild is later still.
    expect({ rebuilt, restarted }).toEqual({ rebuilt: 0, restarted: 0 });
    // No rebuild is tried while the broker is away (it fails, and the next try used to wait for another silence).
    expect(lines.filter((l) => l.msg?.startsWith('Kafka consumer rebuild failed'))).toEqual([]);
    await consumer.close();
    await producer.close();
    await bus.close();
  }, 300000);

  test('S5.01 a message that settles while the broker is away is committed once it is back, without a later message or a second delivery', async () => {
    kafka ??= await PrivateKafka.create();
    await kafka.start();
    const { logger, lines } = recordingLogger();
    const brokers = [`127.0.0.1:${kafka.port}`];
    const bus = new KafkaMessageBus({ brokers, clientId: 'quiet', logger });
    const topic = 'quiet.test';
    await bus.ensureTopics([{ topic, partitions: 1 }]);
    let settle!: () => void;
    const settled = new Promise<void>((r) => (settle = r));
    let received = 0;
    const consumer = await bus.consumer({ groupId: 'quiet-group', topics: [topic] });
    await consumer.run(async () => {
      received++;
      return { settled };
    });
    await consumer.joined();
    const producer = await bus.producer();
    await producer.send(topic, [{ key: 'k', value: 'the only message' }]);
    while (received === 0) await new Promise((r) => setTimeout(r, 100));
    await kafka.stop();
    // Its effects are done while the broker is away: the commit made now fails.
    settle();
    await new Promise((r) => setTimeout(r, 6000));
    await kafka.start();
    const admin = new Kafka({ clientId: 'quiet-admin', brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const committed = async () =>
      (await admin.fetchOffsets({ groupId: 'quiet-group', topics: [topic] }).catch(() => []))[0]?.partitions[0]?.offset;
    let offset = await committed();
    for (let i = 0; i < 600 && offset !== '1'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      offset = await committed();
    }
    expect(offset).toBe('1');
    // Committed by the consumer that had it, not by reading it again after a rebuild.
    expect(received).toBe(1);
    const rebuilt = lines.filter(
      (l) => l.msg?.startsWith('Kafka consumer rebuilt') || l.msg?.startsWith('Restarting the consumer'),
    );
    expect(rebuilt).toEqual([]);
    await admin.disconnect();
    await consumer.close();
    await producer.close();
    await bus.close();
  }, 300000);
});
