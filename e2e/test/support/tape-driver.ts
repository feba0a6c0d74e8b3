import { Kafka, logLevel, type Admin } from 'kafkajs';
import { topics, type MarketDataMessage, type OrderEvent, type OrderMessage } from '@ginkgo/contracts';
import { KafkaMessageBus, createLogger } from '@ginkgo/platform';
import { DataFeeder } from '@ginkgo/livecore';
import type { E2eCluster } from '../../../operator/test/e2e-harness.js';
import { Quiet, type GroupOnTopic } from './quiet.js';

const logger = createLogger('tape-driver').child({}, { level: 'warn' });

/**
 * Plays a tape into the running processes of an E2eCluster the way a backtest applies it: through a real
 * feeder, one message at a time, each once the system is quiet (see Quiet), while it records the orders and
 * order events of the given portfolios. `nodes` says which nodes are up now (their consumer groups must catch
 * up); it is read at every wait, so a test that kills and restarts nodes keeps it current.
 */
export class TapeDriver {
  private constructor(
    private readonly bus: KafkaMessageBus,
    private readonly admin: Admin,
    private readonly feeder: DataFeeder,
    readonly quiet: Quiet,
    private readonly watchers: { close: () => Promise<void> }[],
    readonly orders: OrderMessage[],
    readonly events: OrderEvent[],
  ) {}

  static async start(c: E2eCluster, portfolios: string[], nodes: () => string[]): Promise<TapeDriver> {
    const brokers = c.env.KAFKA_BROKERS!.split(',');
    const orders = await c.watchOrders(portfolios);
    const events = await c.watchOrderEvents(portfolios);
    const bus = new KafkaMessageBus({ brokers, clientId: `tape-${c.suffix}`, logger });
    const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const feeder = new DataFeeder({ market: 'cn', bus, logger });
    await feeder.start();
    const groups = (): GroupOnTopic[] => [
      ...nodes().flatMap((id) => [
        { groupId: `ginkgo-node-${id}-md`, topic: topics.marketData('cn') },
        { groupId: `ginkgo-node-${id}-oe`, topic: topics.orderEvents('cn') },
      ]),
      { groupId: 'livecore-paper-cn', topic: topics.marketData('cn') },
      { groupId: 'livecore-gateway-cn', topic: topics.orders('cn') },
    ];
    const quiet = new Quiet(admin, groups, () => `http://127.0.0.1:${c.livecore!.healthPort}/metrics`);
    await quiet.mark([topics.marketData('cn'), topics.orders('cn'), topics.orderEvents('cn')]);
    await quiet.wait();
    return new TapeDriver(bus, admin, feeder, quiet, [orders, events], orders.orders, events.events);
  }

  /** Publishes one message through the feeder (no wait). */
  publish(m: MarketDataMessage): Promise<void> {
    return this.feeder.publish([m]);
  }

  /** Publishes message `i` of the tape; then `after(i)` when given (a fault), else waits for quiet. */
  async play(tape: readonly MarketDataMessage[], after?: (i: number) => Promise<boolean>): Promise<void> {
    for (const [i, m] of tape.entries()) {
      await this.publish(m);
      if (!(await after?.(i))) await this.quiet.wait();
    }
  }

  async close(): Promise<void> {
    await this.feeder.stop();
    for (const w of this.watchers) await w.close();
    await this.admin.disconnect();
    await this.bus.close();
  }
}
