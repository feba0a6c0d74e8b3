import type { ConsumerOptions, IncomingMessage, MessageBus, MessageConsumer, MessageProducer, TopicSpec } from '@ginkgo/platform';

/**
 * A MessageBus that puts every topic the node uses under a per-run prefix (`<prefix>market.data.cn`, ...), so
 * the bench runs the real node on the real Kafka without touching the topics tests and demos share, while the
 * node still sees its usual topic names. Consumers start from the beginning (the topics are fresh), so the
 * node can be given a backlog, and `onHandled` is told when each message's handler resolved.
 */
export class PrefixedTopicBus implements MessageBus {
  constructor(
    private readonly inner: MessageBus,
    readonly prefix: string,
    private readonly onHandled?: (logicalTopic: string, message: IncomingMessage) => void,
  ) {}

  real(topic: string): string {
    return `${this.prefix}${topic}`;
  }

  private logical(topic: string): string {
    return topic.startsWith(this.prefix) ? topic.slice(this.prefix.length) : topic;
  }

  ensureTopics(specs: TopicSpec[]): Promise<void> {
    return this.inner.ensureTopics(specs.map((s) => ({ ...s, topic: this.real(s.topic) })));
  }

  async producer(opts?: { transactionalId?: string }): Promise<MessageProducer> {
    const p = await this.inner.producer(opts);
    return { send: (topic, messages) => p.send(this.real(topic), messages), close: () => p.close() };
  }

  async consumer(opts: ConsumerOptions): Promise<MessageConsumer> {
    const topics = opts.topics.map((t) => {
      if (typeof t !== 'string') throw new Error(`topics: patterns are not supported by the bench bus (${String(t)})`);
      return this.real(t);
    });
    const c = await this.inner.consumer({ ...opts, topics, fromBeginning: true });
    return {
      run: (handler) =>
        c.run(async (m) => {
          const logical = { ...m, topic: this.logical(m.topic) };
          const accepted = await handler(logical);
          if (!accepted) return this.onHandled?.(logical.topic, logical);
          return { settled: accepted.settled.then(() => this.onHandled?.(logical.topic, logical)) };
        }),
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
