import { Kafka, Partitioners, logLevel, type Consumer, type Producer, type Admin, type LogEntry } from 'kafkajs';
import type {
  ConsumerOptions,
  IncomingMessage,
  MessageBus,
  MessageConsumer,
  MessageHandler,
  MessageProducer,
  OutgoingMessage,
  TopicSpec,
} from './message-bus.js';
import type { Logger } from './logger.js';

const levelName: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** kafkajs adapter: idempotent producer with acks=all, manual commits after processing (S9.02). */
export class KafkaMessageBus implements MessageBus {
  private readonly kafka: Kafka;
  private readonly open = new Set<{ close(): Promise<void> }>();
  private admin?: Admin;

  constructor(
    private readonly opts: { brokers: string[]; clientId: string; logger: Logger },
  ) {
    const log = opts.logger.child({ lib: 'kafkajs' });
    this.kafka = new Kafka({
      clientId: opts.clientId,
      brokers: opts.brokers,
      connectionTimeout: 3000,
      requestTimeout: 30000,
      // Exponential backoff on broker loss (S5.01); the caller sees errors only after retries.
      retry: { initialRetryTime: 200, maxRetryTime: 10000, retries: 10, factor: 0.2, multiplier: 2 },
      logLevel: logLevel.WARN,
      logCreator: () => (entry: LogEntry) => {
        const { message, ...extra } = entry.log;
        log[levelName[entry.level] ?? 'info']({ ns: entry.namespace, ...extra }, message);
      },
    });
  }

  async ensureTopics(topics: TopicSpec[]): Promise<void> {
    if (!this.admin) {
      this.admin = this.kafka.admin();
      await this.admin.connect();
    }
    const existing = new Set(await this.admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length === 0) return;
    await this.admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((t) => ({
        topic: t.topic,
        numPartitions: t.partitions ?? 3,
        replicationFactor: 1,
        configEntries: t.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
      })),
    });
  }

  async producer(opts: { transactionalId?: string } = {}): Promise<MessageProducer> {
    const producer: Producer = this.kafka.producer({
      idempotent: true,
      createPartitioner: Partitioners.DefaultPartitioner,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
      ...(opts.transactionalId ? { transactionalId: opts.transactionalId } : {}),
    });
    await producer.connect();
    const handle: MessageProducer = {
      send: async (topic: string, messages: OutgoingMessage[]) => {
        if (messages.length === 0) return;
        await producer.send({
          topic,
          acks: -1,
          messages: messages.map((m) => ({ key: m.key, value: m.value, ...(m.headers ? { headers: m.headers } : {}) })),
        });
      },
      close: async () => {
        this.open.delete(handle);
        await producer.disconnect();
      },
    };
    this.open.add(handle);
    return handle;
  }

  async consumer(opts: ConsumerOptions): Promise<MessageConsumer> {
    const consumer: Consumer = this.kafka.consumer({
      groupId: opts.groupId,
      sessionTimeout: 10000,
      heartbeatInterval: 1000,
      rebalanceTimeout: 10000,
      allowAutoTopicCreation: true,
    });
    await consumer.connect();
    for (const topic of opts.topics) await consumer.subscribe({ topic, fromBeginning: opts.fromBeginning ?? false });
    // The message being processed: close() lets it finish and commit, so a graceful stop replays nothing.
    let inFlight: Promise<void> = Promise.resolve();
    let markJoined!: () => void;
    const joinedOnce = new Promise<void>((r) => (markJoined = r));
    consumer.on(consumer.events.GROUP_JOIN, () => markJoined());
    const handle: MessageConsumer = {
      run: (handler: MessageHandler) =>
        consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
            for (const m of batch.messages) {
              if (!isRunning() || isStale()) break;
              const incoming: IncomingMessage = {
                topic: batch.topic,
                partition: batch.partition,
                offset: m.offset,
                key: m.key ? m.key.toString() : null,
                value: m.value ? m.value.toString() : null,
                headers: Object.fromEntries(
                  Object.entries(m.headers ?? {}).map(([k, v]) => [k, Array.isArray(v) ? String(v[0]) : String(v ?? '')]),
                ),
                timestamp: m.timestamp,
              };
              const step = (async () => {
                await handler(incoming);
                resolveOffset(m.offset);
                // Commit after the effect, never before: a crash replays, it never skips.
                await consumer.commitOffsets([
                  { topic: batch.topic, partition: batch.partition, offset: (BigInt(m.offset) + 1n).toString() },
                ]);
              })();
              inFlight = step.catch(() => undefined);
              await step;
              await heartbeat();
            }
          },
        }),
      joined: () => joinedOnce,
      pause: (topic, partitions) => consumer.pause([{ topic, ...(partitions ? { partitions } : {}) }]),
      resume: (topic, partitions) => consumer.resume([{ topic, ...(partitions ? { partitions } : {}) }]),
      close: async () => {
        this.open.delete(handle);
        await inFlight;
        await consumer.disconnect();
      },
    };
    this.open.add(handle);
    return handle;
  }

  async close(): Promise<void> {
    for (const h of [...this.open]) await h.close().catch(() => undefined);
    if (this.admin) await this.admin.disconnect().catch(() => undefined);
  }
}
