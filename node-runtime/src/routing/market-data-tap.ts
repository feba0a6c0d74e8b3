import { MarketDataMessage } from '@ginkgo/contracts';
import type { ConsumerOptions, IncomingMessage, MessageBus, MessageConsumer } from '@ginkgo/platform';

/**
 * Last price per code, seen on the way through: wraps a MessageBus so every market-data message a node
 * consumer handled is remembered (raw, latest per topic and key; parsed only when drained), without a
 * change to the node. Feeds the Redis hot state `price:<market>:<code>`.
 */
export class LastPriceTap {
  private latest = new Map<string, string>();

  constructor(private readonly isMarketData: (topic: string) => boolean) {}

  /** The bus the node gets: same behaviour, handled market-data messages recorded after their handler. */
  wrap(bus: MessageBus): MessageBus {
    const record = (m: IncomingMessage) => {
      if (m.value !== null && this.isMarketData(m.topic)) this.latest.set(`${m.topic}|${m.key ?? ''}`, m.value);
    };
    return {
      producer: (o) => bus.producer(o),
      ensureTopics: (t) => bus.ensureTopics(t),
      close: () => bus.close(),
      async consumer(opts: ConsumerOptions): Promise<MessageConsumer> {
        const c = await bus.consumer(opts);
        return {
          run: (handler) =>
            c.run(async (m: IncomingMessage) => {
              // The handler's Accepted goes back to the consumer: its offset is committed only once settled.
              const accepted = await handler(m);
              record(m);
              return accepted;
            }),
          joined: () => c.joined(),
          pause: (t, p) => c.pause(t, p),
          resume: (t, p) => c.resume(t, p),
          close: () => c.close(),
        };
      },
    };
  }

  /** Prices seen since the last drain (latest per code). */
  drain(): { market: string; code: string; price: number; ts: number; eventId: string }[] {
    const raw = [...this.latest.values()];
    this.latest = new Map();
    const out: { market: string; code: string; price: number; ts: number; eventId: string }[] = [];
    for (const value of raw) {
      try {
        const m = MarketDataMessage.safeParse(JSON.parse(value));
        if (m.success && m.data.type === 'price')
          out.push({
            market: m.data.market,
            code: m.data.code,
            price: m.data.price,
            ts: m.data.ts,
            eventId: m.data.eventId,
          });
      } catch {
        // malformed: the node sent it to the dead-letter topic already
      }
    }
    return out;
  }
}
