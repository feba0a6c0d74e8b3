import { KafkaMessageBus, TopicsNotReadyError, createLogger, type IncomingMessage } from '../src/index.js';
import { requireEnv, uniqueSuffix } from './testbed-env.js';

const quiet = createLogger('kafka-topics-int');
quiet.level = 'silent';
const brokers = () => requireEnv('KAFKA_BROKERS').split(',');

describe('Kafka topics at start (real broker)', () => {
  const buses: KafkaMessageBus[] = [];
  const newBus = (clientId: string, topicWaitMs?: number) => {
    const b = new KafkaMessageBus({
      brokers: brokers(),
      clientId,
      logger: quiet,
      ...(topicWaitMs ? { topicWaitMs } : {}),
    });
    buses.push(b);
    return b;
  };
  afterAll(async () => {
    for (const b of buses) await b.close();
  });

  test('consumers created while another process is still creating their topics subscribe and read every message', async () => {
    // Two processes of a brand-new market starting together: one creates the topics, the other subscribes in
    // the same moment, when the topics may be listed before their partitions have leaders.
    const s = uniqueSuffix();
    const names = Array.from({ length: 6 }, (_, i) => `fresh.${s}.t${i}`);
    const creator = newBus(`creator-${s}`);
    const subscriber = newBus(`subscriber-${s}`);
    const got = new Map<string, string[]>(names.map((n) => [n, []]));
    let seen = 0;
    let allSeen!: () => void;
    const done = new Promise<void>((r) => (allSeen = r));
    const handler = async (m: IncomingMessage) => {
      got.get(m.topic)!.push(m.value ?? '');
      if (++seen === names.length * 3) allSeen();
    };
    const [, consumers] = await Promise.all([
      creator.ensureTopics(names.map((topic) => ({ topic, partitions: 3 }))),
      Promise.all(
        names.map((topic) => subscriber.consumer({ groupId: `g-${topic}`, topics: [topic], fromBeginning: true })),
      ),
    ]);
    for (const c of consumers) await c.run(handler);
    await Promise.all(consumers.map((c) => c.joined()));
    const producer = await creator.producer();
    for (const topic of names)
      await producer.send(
        topic,
        ['a', 'b', 'c'].map((v) => ({ key: v, value: `${topic}:${v}` })),
      );
    await done;
    for (const topic of names) expect(got.get(topic)!.sort()).toEqual(['a', 'b', 'c'].map((v) => `${topic}:${v}`));
    await producer.close();
    for (const c of consumers) await c.close();
  });

  test('S4.06 a process whose broker never answers gives up after its topic budget with an error naming the topics', async () => {
    // Port 1 on loopback: nothing listens, every connection is refused at once.
    const dead = new KafkaMessageBus({
      brokers: ['127.0.0.1:1'],
      clientId: `dead-${uniqueSuffix()}`,
      logger: quiet,
      topicWaitMs: 1500,
    });
    const start = dead.ensureTopics([{ topic: 'market.data.nowhere' }]);
    await expect(start).rejects.toBeInstanceOf(TopicsNotReadyError);
    await expect(start).rejects.toThrow(
      /Kafka topics not ready after \d+ s: market.data.nowhere \(last problem: no answer from Kafka/,
    );
    await dead.close();
  });
});
