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

interface StoredMessage extends OutgoingMessage {
  offset: number;
}

/**
 * In-process bus with Kafka's semantics that matter to us (ordered log per topic, group
 * offsets committed after the handler). For unit tests and the embedded demo only:
 * integration tests always run against a real broker.
 */
export class InMemoryMessageBus implements MessageBus {
  private readonly logs = new Map<string, StoredMessage[]>();
  private readonly committed = new Map<string, number>();
  private readonly waiters = new Set<() => void>();
  private readonly subscriptions = new Map<string, (topic: string) => boolean>();
  private readonly busy = new Set<string>();

  private log(topic: string): StoredMessage[] {
    let l = this.logs.get(topic);
    if (!l) this.logs.set(topic, (l = []));
    return l;
  }

  /** Everything published to a topic so far (for tests and the demo's printout). */
  messages(topic: string): readonly OutgoingMessage[] {
    return this.log(topic);
  }

  topicNames(): string[] {
    return [...this.logs.keys()];
  }

  async ensureTopics(topics: TopicSpec[]): Promise<void> {
    for (const t of topics) this.log(t.topic);
  }

  async producer(): Promise<MessageProducer> {
    return {
      send: async (topic: string, messages: OutgoingMessage[]) => {
        const l = this.log(topic);
        for (const m of messages) l.push({ ...m, offset: l.length });
        for (const w of [...this.waiters]) w();
      },
      close: async () => undefined,
    };
  }

  async consumer(opts: ConsumerOptions): Promise<MessageConsumer> {
    let running = true;
    const paused = new Set<string>();
    let loop: Promise<void> | undefined;
    const matches = (topic: string) => opts.topics.some((t) => (typeof t === 'string' ? t === topic : t.test(topic)));
    const key = (topic: string) => `${opts.groupId}\u0000${topic}`;
    this.subscriptions.set(opts.groupId, matches);
    const pending = (): [string, StoredMessage] | undefined => {
      for (const [topic, l] of this.logs) {
        if (!matches(topic) || paused.has(topic)) continue;
        const at = this.committed.get(key(topic)) ?? (opts.fromBeginning ? 0 : 0);
        const m = l[at];
        if (m) return [topic, m];
      }
      return undefined;
    };
    return {
      run: async (handler: MessageHandler) => {
        loop = (async () => {
          while (running) {
            const next = pending();
            if (!next) {
              await new Promise<void>((resolve) => {
                const w = () => {
                  this.waiters.delete(w);
                  resolve();
                };
                this.waiters.add(w);
              });
              continue;
            }
            const [topic, m] = next;
            this.busy.add(opts.groupId);
            const incoming: IncomingMessage = {
              topic,
              partition: 0,
              offset: String(m.offset),
              key: m.key,
              value: m.value,
              headers: m.headers ?? {},
              timestamp: '0',
            };
            try {
              const accepted = await handler(incoming);
              if (accepted) await accepted.settled;
              this.committed.set(key(topic), m.offset + 1);
            } finally {
              this.busy.delete(opts.groupId);
            }
          }
        })();
      },
      joined: async () => undefined,
      pause: (topic) => void paused.add(topic),
      resume: (topic) => {
        paused.delete(topic);
        for (const w of [...this.waiters]) w();
      },
      close: async () => {
        running = false;
        for (const w of [...this.waiters]) w();
        await loop;
      },
    };
  }

  /** Resolves when every consumer group has read everything it subscribes to (demo/test helper). */
  async idle(): Promise<void> {
    for (;;) {
      const busy =
        this.busy.size > 0 ||
        [...this.subscriptions].some(([g, matches]) =>
          [...this.logs].some(([t, l]) => matches(t) && (this.committed.get(`${g}\u0000${t}`) ?? 0) < l.length),
        );
      if (!busy) return;
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  async close(): Promise<void> {
    for (const w of [...this.waiters]) w();
  }
}
