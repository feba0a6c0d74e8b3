import { PortfolioSpec, topics } from '@ginkgo/contracts';
import { KafkaMessageBus } from '@ginkgo/platform';
import {
  ExecutionNode,
  InMemoryPortfolioStateStore,
  type PortfolioTotals,
  type StoredPortfolioState,
} from '../src/index.js';
import { env, gatewayAnswers, quiet, shanghaiTs, suffix, tick, uniqueCodes, waitFor } from './helpers.js';

/** A state store that takes its time: the portfolio cannot keep up with the tape. */
class SlowStore extends InMemoryPortfolioStateStore {
  override async save(state: StoredPortfolioState, totals: PortfolioTotals): Promise<boolean> {
    await new Promise((r) => setTimeout(r, 40));
    return super.save(state, totals);
  }
}

const capacity = 2;

/** A node on a real Kafka whose one portfolio queue holds `capacity` events and whose store is slow. */
function slowNode(prefix: string) {
  const s = suffix();
  const nodeId = `${prefix}-${s}`;
  const [code] = uniqueCodes(1) as [string];
  const logger = quiet();
  const bus = new KafkaMessageBus({ brokers: env('KAFKA_BROKERS').split(','), clientId: nodeId, logger });
  const node = new ExecutionNode({
    nodeId,
    markets: ['cn'],
    bus,
    stateStore: new SlowStore(),
    status: { report: () => undefined },
    logger,
    queueCapacity: capacity,
  });
  return { s, code, bus, node };
}

test('S7.06 a slow portfolio fills its bounded queue: Kafka holds the backlog (backpressure), nothing is dropped, order is kept', async () => {
  const { s, code, bus, node } = slowNode('bp');
  const id = `bp-${s}-p`;
  try {
    await node.start();
    const spec = PortfolioSpec.parse({
      market: 'cn',
      initialCash: '100000.00',
      strategy: { name: 'buy-and-hold', params: { maxPrice: '0.01' } }, // never trades: every tick is pure state work
      interestedCodes: [code],
    });
    await node.assign({ portfolioId: id, spec, epoch: 1, generation: 1 });
    const producer = await bus.producer();
    const n = 30;
    const ticks = Array.from({ length: n }, (_, i) => tick(`bp-${s}-${i}`, code, 1000 + i, i + 1, i + 1));
    await producer.send(
      topics.marketData('cn'),
      ticks.map((t) => ({ key: code, value: JSON.stringify(t) })),
    );
    let maxDepth = 0;
    let maxBacklog = 0;
    const sampler = setInterval(() => {
      const w = node.worker(id);
      if (!w) return;
      maxDepth = Math.max(maxDepth, w.queueDepth);
      maxBacklog = Math.max(maxBacklog, n - w.processed - w.queueDepth);
    }, 5);
    try {
      await waitFor(
        'every tick applied',
        () => {
          const v = node.worker(id)?.engine.view();
          return v?.lastEventTs === ticks[n - 1]!.ts ? v : undefined;
        },
        60000,
      );
    } finally {
      clearInterval(sampler);
    }
    const w = node.worker(id)!;
    expect(maxDepth).toBeLessThanOrEqual(capacity); // the queue is bounded
    expect(maxBacklog).toBeGreaterThan(capacity); // the rest waited in Kafka, not in memory
    // Nothing dropped silently: each tick was applied, or replaced at the full queue by a newer tick of its code
    // (conflation, counted); the last one is applied (above).
    expect(w.processed + w.conflated).toBeGreaterThanOrEqual(n);
    expect(w.engine.view().positions).toEqual([]); // and nothing traded
    await producer.close();
  } finally {
    await node.stop();
    await bus.close();
  }
});

test('S7.06 under backpressure only ticks are conflated: the fill and order events sent into a full queue are each applied once', async () => {
  const { s, code, bus, node } = slowNode('bpf');
  const id = `bpf-${s}-p`;
  const producer = await bus.producer();
  try {
    await node.start();
    const spec = PortfolioSpec.parse({
      market: 'cn',
      initialCash: '100000.00',
      strategy: { name: 'buy-and-hold', params: {} }, // buys once, on the first tick
      sizer: { name: 'fixed-volume', params: { volume: 100 } },
      interestedCodes: [code],
    });
    await node.assign({ portfolioId: id, spec, epoch: 1, generation: 1 });
    await producer.send(topics.marketData('cn'), [
      { key: code, value: JSON.stringify(tick(`bpf-${s}-0`, code, 1000, 1, 1)) },
    ]);
    const order = await waitFor('the buy is open', () => node.worker(id)?.engine.view().openOrders[0]);
    const cashBefore = node.worker(id)!.engine.view().cash;

    // A burst of ticks fills the queue; the gateway's answers for the order arrive in the middle of it.
    const n = 40;
    const ticks = Array.from({ length: n }, (_, i) => tick(`bpf-${s}-${i + 1}`, code, 1000 + i, i + 2, i + 2));
    const ts = shanghaiTs('2026-11-24', '10:00', 3);
    const answers = gatewayAnswers({ portfolioId: id, clientOrderId: order.clientOrderId }, `b-${s}`, ts, [
      { event: 'ACCEPTED' },
      { event: 'PARTIALLY_FILLED', fillId: `f1-${s}`, fillVolume: 40 },
      { event: 'FILLED', fillId: `f2-${s}`, fillVolume: 60 },
    ]);
    await producer.send(
      topics.marketData('cn'),
      ticks.slice(0, n / 2).map((t) => ({ key: code, value: JSON.stringify(t) })),
    );
    await producer.send(
      topics.orderEvents('cn'),
      answers.map((e) => ({ key: id, value: JSON.stringify(e) })),
    );
    await producer.send(
      topics.marketData('cn'),
      ticks.slice(n / 2).map((t) => ({ key: code, value: JSON.stringify(t) })),
    );

    const view = await waitFor(
      'the last tick and both fills applied',
      () => {
        const v = node.worker(id)?.engine.view();
        return v && v.lastEventTs === ticks[n - 1]!.ts && v.positions[0]?.volume === 100 ? v : undefined;
      },
      60000,
    );
    const w = node.worker(id)!;
    expect(w.conflated).toBeGreaterThan(0); // the queue was full: ticks were conflated
    expect(view.openOrders).toEqual([]); // FILLED reached the engine
    expect(view.positions.map((p) => [p.code, p.volume])).toEqual([[code, 100]]); // 40 + 60, each once
    expect(cashBefore - view.cash).toBeGreaterThanOrEqual(100 * 1000); // 100 shares at 10.00 plus fees, paid once
    expect(cashBefore - view.cash).toBeLessThan(2 * 100 * 1000);
  } finally {
    await producer.close();
    await node.stop();
    await bus.close();
  }
});
