import type {
  ConsumerOptions,
  IncomingMessage,
  MessageBus,
  MessageConsumer,
  MessageProducer,
  TopicSpec,
} from './message-bus.js';

export interface PrefixedTopicBusOptions {
  /** Put in front of every topic (and, by default, every consumer group), e.g. `demo-k3x9.`. */
  prefix: string;
  /** Prefix consumer group ids too, so a run never joins a group of the shared system. Default true. */
  prefixGroups?: boolean;
  /** Force every consumer to start at the beginning (the prefixed topics are fresh). Default true. */
  fromBeginning?: boolean;
  /** Told when a message's handler resolved (logical topic name). */
  onHandled?: (topic: string, message: IncomingMessage) => void;
}

/**
 * A MessageBus that puts every topic under a per-run prefix (`<prefix>market.data.cn`, ...) while its users
 * keep their usual topic names: a demo, bench or test runs the real components on the shared Kafka without
 * touching the topics and consumer groups others use. It remembers what it created, for cleanup.
 */
export class PrefixedTopicBus implements MessageBus {
  readonly prefix: string;
  private readonly createdTopics = new Set<string>();
  private readonly usedGroups = new Set<string>();

  constructor(
    private readonly inner: MessageBus,
    private readonly opts: PrefixedTopicBusOptions,
  ) {
    if (!/^[A-Za-z0-9._-]+$/.test(opts.prefix))
      throw new Error(`prefix: "${opts.prefix}" may only hold letters, digits, ".", "_" and "-"`);
    this.prefix = opts.prefix;
  }

  real(topic: string): string {
    return `${this.prefix}${topic}`;
  }

  logical(topic: string): string {
    return topic.startsWith(this.prefix) ? topic.slice(this.prefix.length) : topic;
  }

  /** Real names of the topics ensured through this bus. */
  topics(): string[] {
    return [...this.createdTopics];
  }

  /** Real ids of the consumer groups used through this bus. */
  groups(): string[] {
    return [...this.usedGroups];
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    const real = specs.map((s) => ({ ...s, topic: this.real(s.topic) }));
    await this.inner.ensureTopics(real);
    for (const s of real) this.createdTopics.add(s.topic);
  }

  async producer(opts?: { transactionalId?: string }): Promise<MessageProducer> {
    const p = await this.inner.producer(opts);
    return {
      send: (topic, messages) => p.send(this.real(topic), messages),
      close: () => p.close(),
    };
  }

  async consumer(opts: ConsumerOptions): Promise<MessageConsumer> {
    const logicalTopics = opts.topics.map((t) => {
      if (typeof t !== 'string')
        throw new Error(`topics: patterns are not supported by the prefixed bus (${String(t)})`);
      return t;
    });
    const groupId = (this.opts.prefixGroups ?? true) ? `${this.prefix}${opts.groupId}` : opts.groupId;
    this.usedGroups.add(groupId);
    const c = await this.inner.consumer({
      groupId,
      topics: logicalTopics.map((t) => this.real(t)),
      fromBeginning: (this.opts.fromBeginning ?? true) || opts.fromBeginning === true,
      ...(opts.eventTime ? { eventTime: opts.eventTime } : {}),
    });
    return {
      run: async (handler) => {
        await c.run(async (m) => {
          const logical = { ...m, topic: this.logical(m.topic) };
          const accepted = await handler(logical);
          if (!accepted) return this.opts.onHandled?.(logical.topic, logical);
          return { settled: accepted.settled.then(() => this.opts.onHandled?.(logical.topic, logical)) };
        });
      },
      joined: () => c.joined(),
      pause: (topic, partitions) => c.pause(this.real(topic), partitions),
      resume: (topic, partitions) => c.resume(this.real(topic), partitions),
      close: () => c.close(),
    };
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
