import { PortfolioSpec, topics } from '@ginkgo/contracts';
import { KafkaMessageBus } from '@ginkgo/platform';
import { ExecutionNode, InMemoryPortfolioStateStore, type PortfolioTotals, type StoredPortfolioState } from '../src/index.js';
import { env, quiet, suffix, tick, uniqueCodes, waitFor } from './helpers.js';

/** A state store that takes its time: the portfolio cannot keep up with the tape. */
class SlowStore extends InMemoryPortfolioStateStore {
  override async save(state: StoredPortfolioState, totals: PortfolioTotals): Promise<boolean> {
    await new Promise((r) => setTimeout(r, 40));
    return super.save(state, totals);
  }
}

test('S7.06 a slow portfolio fills its bounded queue: Kafka holds the backlog (backpressure), nothing is dropped, order is kept', async () => {
  const s = suffix();
  const nodeId = `bp-${s}`;
  const [code] = uniqueCodes(1) as [string];
  const logger = quiet();
  const bus = new KafkaMessageBus({ brokers: env('KAFKA_BROKERS').split(','), clientId: nodeId, logger });
  const capacity = 2;
  const node = new ExecutionNode({ nodeId, markets: ['cn'], bus, stateStore: new SlowStore(), status: { report: () => undefined }, logger, queueCapacity: capacity });
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
    await producer.send(topics.marketData('cn'), ticks.map((t) => ({ key: code, value: JSON.stringify(t) })));
    let maxDepth = 0;
    let maxBacklog = 0;
    const sampler = setInterval(() => {
      const w = node.worker(id);
      if (!w) return;
      maxDepth = Math.max(maxDepth, w.queueDepth);
      maxBacklog = Math.max(maxBacklog, n - w.processed - w.queueDepth);
    }, 5);
    try {
      await waitFor('every tick applied', () => {
        const v = node.worker(id)?.engine.view();
        return v?.lastEventTs === ticks[n - 1]!.ts ? v : undefined;
      }, 60000);
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
