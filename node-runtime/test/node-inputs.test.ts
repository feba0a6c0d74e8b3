import {
  SettlementMessage,
  settlementsTopic,
  topics,
  type OrderMessage,
  type PortfolioSpecInput,
  type SessionEvent,
} from '@ginkgo/contracts';
import { PortfolioSpec } from '@ginkgo/contracts';
import {
  InMemoryMessageBus,
  createLogger,
  type IncomingMessage,
  type LogReader,
  type PartitionOffset,
} from '@ginkgo/platform';
import { ExecutionNode, InMemoryPortfolioStateStore, type Assignment } from '../src/index.js';
import { shanghaiTs, tick } from './helpers.js';

/** The in-memory bus's log, read the way KafkaLogReader reads Kafka (one partition: 0). */
class BusLogReader implements LogReader {
  constructor(private readonly bus: InMemoryMessageBus) {}
  async endOffsets(topic: string): Promise<PartitionOffset[]> {
    return [{ partition: 0, offset: String(this.bus.messages(topic).length) }];
  }
  async read(topic: string, from: PartitionOffset[], key?: string): Promise<IncomingMessage[]> {
    const start = Number(from.find((f) => f.partition === 0)?.offset ?? this.bus.messages(topic).length);
    return this.bus
      .messages(topic)
      .map((m, offset) => ({
        topic,
        partition: 0,
        offset: String(offset),
        key: m.key,
        value: m.value,
        headers: {},
        timestamp: '0',
      }))
      .filter((m, offset) => offset >= start && (key === undefined || m.key === key));
  }
  async close(): Promise<void> {}
}

/** A store whose loads can be held, to route ticks while a portfolio is (re)starting. */
class HeldStore extends InMemoryPortfolioStateStore {
  private hold?: Promise<void>;
  private release?: () => void;
  holdLoads(): void {
    this.hold = new Promise((r) => (this.release = r));
  }
  releaseLoads(): void {
    this.release?.();
    this.hold = undefined;
  }
  override async load(portfolioId: string) {
    await this.hold;
    return super.load(portfolioId);
  }
}

const logger = createLogger('node-inputs-test').child({}, { level: process.env.LOG_LEVEL ?? 'silent' });
const [A, B, C] = ['600001.SH', '600002.SH', '600003.SH'] as const;
const specInput = (maxPrice?: string): PortfolioSpecInput => ({
  market: 'cn',
  initialCash: '100000.00',
  strategy: { name: 'buy-and-hold', params: maxPrice ? { maxPrice } : {} },
  sizer: { name: 'fixed-volume', params: { volume: 100 } },
  interestedCodes: [A, B, C],
});
const assignment = (generation: number, epoch: number, maxPrice?: string): Assignment => ({
  portfolioId: 'p1',
  spec: PortfolioSpec.parse(specInput(maxPrice)),
  epoch,
  generation,
});

/** Node n1 on cn over `bus`; `extra` adds a log reader, a checkpoint interval... */
const newNode = (
  bus: InMemoryMessageBus,
  stateStore: InMemoryPortfolioStateStore,
  extra: Partial<ConstructorParameters<typeof ExecutionNode>[0]> = {},
) =>
  new ExecutionNode({
    nodeId: 'n1',
    markets: ['cn'],
    bus,
    stateStore,
    status: { report: () => undefined },
    logger,
    ...extra,
  });

describe('node inputs: buffered during restarts, resumed from the portfolio’s own positions', () => {
  const submits = (bus: InMemoryMessageBus) =>
    bus
      .messages(topics.orders('cn'))
      .map((m) => JSON.parse(m.value ?? 'null') as OrderMessage)
      .filter((o) => o.type === 'submit');
  const send = async (bus: InMemoryMessageBus, code: string, id: string, price: number, seconds: number) => {
    const producer = await bus.producer();
    await producer.send(topics.marketData('cn'), [
      { key: code, value: JSON.stringify(tick(id, code, price, seconds)) },
    ]);
  };

  test('S2.03 a restart on a new generation keeps the route: ticks routed meanwhile are applied once, under the new params', async () => {
    const bus = new InMemoryMessageBus();
    const store = new HeldStore();
    const node = newNode(bus, store, { logReader: new BusLogReader(bus) });
    await node.start();
    await node.assign(assignment(1, 1, '5.00'));
    await send(bus, A, 't-a', 1000, 1); // above maxPrice 5.00: no order under the old params
    await bus.idle();
    expect(submits(bus)).toHaveLength(0);
    store.holdLoads();
    const restarting = node.assign(assignment(2, 1, '20.00'));
    await send(bus, B, 't-b', 1000, 2);
    await send(bus, C, 't-c', 1000, 3);
    await bus.idle(); // routed (into the restart buffer), committed by the consumer
    expect(submits(bus)).toHaveLength(0);
    store.releaseLoads();
    await restarting;
    expect(submits(bus).map((o) => o.code)).toEqual([B, C]);
    // A was applied under the old params (not replayed); its next tick buys under the new ones.
    await send(bus, A, 't-a2', 1000, 4);
    await bus.idle();
    expect(submits(bus).map((o) => o.clientOrderId)).toEqual(['p1-1', 'p1-2', 'p1-3']);
    expect(submits(bus).map((o) => o.code)).toEqual([B, C, A]);
    await node.stop();
  });

  test('S8.05 a portfolio started again (new epoch) applies the market data after its own positions, its codes only, before live ticks', async () => {
    const bus = new InMemoryMessageBus();
    const store = new InMemoryPortfolioStateStore();
    const reader = new BusLogReader(bus);
    const first = newNode(bus, store, { logReader: reader });
    await first.start();
    await first.assign(assignment(1, 1));
    await send(bus, A, 't-a', 1000, 1);
    await send(bus, '600999.SH', 't-x', 1000, 2); // not its code: routed past, saved as passed
    await bus.idle();
    await first.stop();
    expect(store.states.get('p1')?.inputPositions?.[`${topics.marketData('cn')}:0`]).toBe('1');
    // Published while the portfolio is between nodes.
    await send(bus, B, 't-b', 1000, 3);
    await send(bus, '600998.SH', 't-y', 1000, 4);
    await send(bus, C, 't-c', 1000, 5);
    // The node comes back (same identity: its consumer groups resume where they were, behind these ticks).
    const second = newNode(bus, store, { logReader: reader });
    await second.prepare();
    await second.assign(assignment(1, 2));
    // Caught up before any live consumption, in log order, with the new epoch.
    const caughtUp = submits(bus);
    expect(caughtUp.map((o) => [o.code, o.epoch])).toEqual([
      [A, 1],
      [B, 2],
      [C, 2],
    ]);
    // The live consumer then delivers the same ticks again: nothing is applied twice.
    await second.consume();
    await bus.idle();
    expect(submits(bus)).toHaveLength(3);
    expect(new Set(submits(bus).map((o) => o.clientOrderId)).size).toBe(3);
    await second.stop();
  });

  test('S2.09 an idle portfolio checkpoints how far market data passed it, so a failover re-reads little', async () => {
    const bus = new InMemoryMessageBus();
    const store = new InMemoryPortfolioStateStore();
    const node = newNode(bus, store, { logReader: new BusLogReader(bus), checkpointIntervalMs: 20 });
    await node.start();
    await node.assign(assignment(1, 1));
    for (let i = 0; i < 5; i++) await send(bus, '600999.SH', `t-x${i}`, 1000, i);
    await bus.idle();
    const key = `${topics.marketData('cn')}:0`;
    const deadline = Date.now() + 10000;
    while (store.states.get('p1')?.inputPositions?.[key] !== '4' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    expect(store.states.get('p1')?.inputPositions?.[key]).toBe('4');
    expect(submits(bus)).toHaveLength(0);
    await node.stop();
  });

  test('S1.08 end-of-day settlement: the record goes out on settlements.<market>, keyed by portfolio', async () => {
    const bus = new InMemoryMessageBus();
    const node = newNode(bus, new InMemoryPortfolioStateStore());
    await node.start();
    await node.assign(assignment(1, 1));
    await send(bus, A, 't-a', 1000, 1);
    const settlement: SessionEvent = {
      type: 'session',
      eventId: 'settle-1',
      ts: shanghaiTs('2026-11-24', '15:30'),
      seq: 9,
      market: 'cn',
      phase: 'settlement',
      tradingDay: '2026-11-24',
    };
    const producer = await bus.producer();
    await producer.send(topics.marketData('cn'), [{ key: null, value: JSON.stringify(settlement) }]);
    await bus.idle();
    const out = bus.messages(settlementsTopic('cn'));
    expect(out).toHaveLength(1);
    expect(out[0]?.key).toBe('p1');
    const record = SettlementMessage.parse(JSON.parse(out[0]?.value ?? 'null'));
    expect(record).toMatchObject({ portfolioId: 'p1', tradingDay: '2026-11-24', currency: 'CNY' });
    expect(record.cash + record.positions.reduce((a, p) => a + p.marketValue, 0)).toBe(record.equity);
    await node.stop();
  });
});
