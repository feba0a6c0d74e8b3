import { Kafka, Partitioners, logLevel, type Producer } from 'kafkajs';
import type {
  ConsumerOptions,
  MessageBus,
  MessageConsumer,
  MessageProducer,
  OutgoingMessage,
  TopicSpec,
} from './message-bus.js';
import type { Logger } from './logger.js';
import { DEFAULT_TOPIC_WAIT_MS, ensureTopicsReady } from './kafka-topics.js';
import { LazyAdmin, kafkajsLogCreator } from './kafka-client.js';
import { KafkaConsumer } from './kafka-consumer.js';

/** kafkajs adapter: idempotent producer with acks=all, manual commits after processing (see KafkaConsumer). */
export class KafkaMessageBus implements MessageBus {
  private readonly kafka: Kafka;
  private readonly admin: LazyAdmin;
  private readonly open = new Set<{ close(): Promise<void> }>();

  constructor(
    private readonly opts: {
      brokers: string[];
      clientId: string;
      logger: Logger;
      /** How long topics may take to exist with leaders before ensureTopics / consumer() give up. */
      topicWaitMs?: number;
    },
  ) {
    this.kafka = new Kafka({
      clientId: opts.clientId,
      brokers: opts.brokers,
      connectionTimeout: 3000,
      requestTimeout: 30000,
      // Backoff on broker loss, capped at a second: kafkajs reconnects to a broker only at its next retry, so a
      // longer cap would keep every client away for that long after the broker is back (a restart, a partition).
      // About a minute of retries in all before the caller sees an error.
      retry: { initialRetryTime: 200, maxRetryTime: 1000, retries: 60, factor: 0.2, multiplier: 2 },
      logLevel: logLevel.WARN,
      logCreator: kafkajsLogCreator(opts.logger),
    });
    this.admin = new LazyAdmin(this.kafka);
  }

  private get topicWaitMs(): number {
    return this.opts.topicWaitMs ?? DEFAULT_TOPIC_WAIT_MS;
  }

  /**
   * Creates the missing topics and waits until each partition has a leader (bounded by `topicWaitMs`; throws
   * TopicsNotReadyError after it): a topic that was just created, here or by another process, is not usable
   * before that.
   */
  async ensureTopics(topics: TopicSpec[]): Promise<void> {
    await ensureTopicsReady(() => this.admin.get(), topics, {
      budgetMs: this.topicWaitMs,
      log: this.opts.logger.child({ component: 'kafka-topics' }),
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
    // Topics exist with leaders before anyone subscribes: a subscribe to a topic still being created fails.
    await this.ensureTopics(opts.topics.filter((t): t is string => typeof t === 'string').map((topic) => ({ topic })));
    const consumer: KafkaConsumer = await KafkaConsumer.create(
      {
        kafka: this.kafka,
        admin: () => this.admin.get(),
        topicWaitMs: this.topicWaitMs,
        logger: this.opts.logger.child({ groupId: opts.groupId }),
        onClose: () => this.open.delete(consumer),
      },
      opts,
    );
    this.open.add(consumer);
    return consumer;
  }

  async close(): Promise<void> {
    for (const h of [...this.open]) await h.close().catch(() => undefined);
    await this.admin.close();
  }
}
