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
    if (restarted > 0) process.stdout.write(`S5.01 broker restart: log since the stop ${JSON.stringify(sinceStop)}\n`);
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

  test('S5.01 a commit that failed while the broker was away is made once it is back, without waiting for a later message', async () => {
    kafka ??= await PrivateKafka.create();
    await kafka.start();
    const { logger, lines } = recordingLogger();
    const brokers = [`127.0.0.1:${kafka.port}`];
    const bus = new KafkaMessageBus({ brokers, clientId: 'quiet', logger });
    const topic = 'quiet.test';
    await bus.ensureTopics([{ topic, partitions: 1 }]);
    // m1 settles later (its effects outlast the broker), m2 at once, m3 only after the checks: so the last commit
    // the consumer can make is offset 2, asked while the broker is away.
    const later = () => {
      let settle!: () => void;
      return { settled: new Promise<void>((r) => (settle = r)), settle: () => settle() };
    };
    const m1 = later();
    const m3 = later();
    const settles: Record<string, Promise<void>> = { m1: m1.settled, m2: Promise.resolve(), m3: m3.settled };
    const received: string[] = [];
    const consumer = await bus.consumer({ groupId: 'quiet-group', topics: [topic] });
    await consumer.run(async (m: IncomingMessage) => {
      received.push(m.value ?? '');
      return { settled: settles[m.value ?? ''] ?? Promise.resolve() };
    });
    await consumer.joined();
    const producer = await bus.producer();
    const waitFor = async (what: string, ok: () => boolean, ms = 60000) => {
      for (let i = 0; !ok(); i++) {
        if (i * 100 >= ms) throw new Error(`${what}: not within ${ms} ms; log: ${JSON.stringify(lines)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    // Each message is sent once the one before it was received: a partition's next batch comes only after the
    // last one ended, so m3 received means m2's commit is queued (behind m1's).
    for (const v of ['m1', 'm2', 'm3']) {
      await producer.send(topic, [{ key: 'k', value: v }]);
      await waitFor(`${v} received`, () => received.includes(v));
    }
    await kafka.stop();
    // The effects of m1 are done while the broker is away: the commits of 1 and then 2 fail (they are made once the
    // broker is back: by kafkajs's own retries, or as commits the consumer owes, see OwedCommits).
    m1.settle();
    await waitFor('the commit of offset 2 failed', () =>
      lines.some((l) => l.msg?.startsWith('offset commit failed') && (l as { offset?: string }).offset === '2'),
    );
    await kafka.start();
    const admin = new Kafka({ clientId: 'quiet-admin', brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const committed = async () =>
      (await admin.fetchOffsets({ groupId: 'quiet-group', topics: [topic] }).catch(() => []))[0]?.partitions[0]?.offset;
    let offset = await committed();
    for (let i = 0; i < 900 && offset !== '2'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      offset = await committed();
    }
    expect(offset).toBe('2');
    // Committed by the consumer that had the messages, without reading them again. Unless kafkajs restarted the
    // consumer during the outage (it does when a metadata refresh finds no broker at all): a restarted consumer
    // joins as a new member and reads again from the last commit, which is at-least-once, not a loss.
    const restarted = lines.some((l) => l.msg?.startsWith('Restarting the consumer'));
    process.stdout.write(`S5.01 quiet partition: kafkajs restarted the consumer: ${restarted}\n`);
    if (restarted) expect(new Set(received)).toEqual(new Set(['m1', 'm2', 'm3']));
    else expect(received).toEqual(['m1', 'm2', 'm3']);
    expect(lines.filter((l) => l.msg?.startsWith('Kafka consumer rebuilt'))).toEqual([]);
    m3.settle();
    await admin.disconnect();
    await consumer.close();
    await producer.close();
    await bus.close();
  }, 300000);
});
