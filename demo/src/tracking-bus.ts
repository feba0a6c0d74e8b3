import type {
  ConsumerOptions,
  MessageBus,
  MessageHandler,
  MessageConsumer,
  MessageProducer,
  OutgoingMessage,
  TopicSpec,
} from '@ginkgo/platform';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Wraps any MessageBus of one process to know when the whole pipeline is quiet: every message sent has been
 * handled by every consumer of its topic, and nothing is being sent or handled. That is what lets the demo
 * replay a tape step by step over real Kafka as deterministically as over the in-memory bus. It also keeps
 * what was sent per topic (the demo's summary reads orders and events from it).
 */
export class TrackingBus implements MessageBus {
  private readonly sent = new Map<string, OutgoingMessage[]>();
  private readonly handled = new Map<string, number>();
  private readonly subscribers = new Map<string, number>();
  private busy = 0;

  constructor(private readonly inner: MessageBus) {}

  messages(topic: string): readonly OutgoingMessage[] {
    return this.sent.get(topic) ?? [];
  }

  /** Messages sent through this bus, over all topics. */
  sentCount(): number {
    let n = 0;
    for (const l of this.sent.values()) n += l.length;
    return n;
  }

  private quiet(): boolean {
    if (this.busy > 0) return false;
    for (const [topic, subs] of this.subscribers) {
      if ((this.handled.get(topic) ?? 0) < (this.sent.get(topic)?.length ?? 0) * subs) return false;
    }
    return true;
  }

  /** Resolves once the pipeline stayed quiet for `settleMs` (a broker report may be one timer tick away). */
  async idle(opts: { settleMs?: number; timeoutMs?: number } = {}): Promise<void> {
    const settle = opts.settleMs ?? 15;
    const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
    for (;;) {
      if (this.quiet()) {
        await sleep(settle);
        if (this.quiet()) return;
      } else await sleep(2);
      if (Date.now() > deadline)
        throw new Error('the pipeline did not go quiet in time: a consumer is stuck or a message was lost');
    }
  }

  ensureTopics(topics: TopicSpec[]): Promise<void> {
    return this.inner.ensureTopics(topics);
  }

  async producer(opts?: { transactionalId?: string }): Promise<MessageProducer> {
    const p = await this.inner.producer(opts);
    return {
      send: async (topic, messages) => {
        this.busy++;
        try {
          await p.send(topic, messages);
          const list = this.sent.get(topic) ?? [];
          list.push(...messages);
          this.sent.set(topic, list);
        } finally {
          this.busy--;
        }
      },
      close: () => p.close(),
    };
  }

  async consumer(opts: ConsumerOptions): Promise<MessageConsumer> {
    const c = await this.inner.consumer(opts);
    const names = opts.topics.filter((t): t is string => typeof t === 'string');
    return {
      run: async (handler) => {
        for (const t of names) this.subscribers.set(t, (this.subscribers.get(t) ?? 0) + 1);
        await c.run(async (m) => {
          this.busy++;
          const done = () => {
            this.handled.set(m.topic, (this.handled.get(m.topic) ?? 0) + 1);
            this.busy--;
          };
          let result: Awaited<ReturnType<MessageHandler>>;
          try {
            result = await handler(m);
          } catch (err) {
            done();
            throw err;
          }
          // A handler may take a message in and finish it later (`settled`, e.g. queued to a worker): handled then.
          const settled = (result as unknown as { settled?: Promise<void> } | undefined)?.settled;
          if (!settled) {
            done();
            return result;
          }
          return { settled: settled.finally(done) } as unknown as typeof result;
        });
      },
      joined: () => c.joined(),
      pause: (topic, partitions) => c.pause(topic, partitions),
      resume: (topic, partitions) => c.resume(topic, partitions),
      close: async () => {
        await c.close();
        for (const t of names) this.subscribers.set(t, Math.max(0, (this.subscribers.get(t) ?? 0) - 1));
      },
    };
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
