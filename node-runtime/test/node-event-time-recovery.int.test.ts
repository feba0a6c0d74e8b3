import { PortfolioSpec, type PriceUpdate } from '@ginkgo/contracts';
import { PortfolioEngine, createDefaultRegistry, type Alert, type PortfolioSnapshot } from '@ginkgo/core';
import { KafkaLogReader } from '@ginkgo/platform';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { ExecutionNode, MySqlPortfolioStateStore } from '../src/index.js';
import { env, quiet, suffix, testBus, testDb, tick, topics, uniqueCodes, waitFor } from './helpers.js';

/** The partition the producer puts a key on (market.data.<market> has 3). */
function partitionOf(key: string): number {
  const partitionMetadata = [0, 1, 2].map((partitionId) => ({ partitionId, leader: 0 }) as PartitionMetadata);
  return Partitioners.DefaultPartitioner()({
    topic: topics.marketData('cn'),
    partitionMetadata,
    message: { key, value: null },
  });
}

/** Two codes on two different partitions. */
function codesOnTwoPartitions(): [string, string] {
  for (;;) {
    const [a, b] = uniqueCodes(2) as [string, string];
    if (partitionOf(a) !== partitionOf(b)) return [a, b];
  }
}

/** What an uninterrupted run decides from: indicator state, last quotes, event clock, the events it took. */
const decisive = (s: PortfolioSnapshot) => ({
  strategy: s.components.strategy,
  quotes: s.quotes,
  highWater: s.highWater,
  clockPausedUntil: s.clockPausedUntil,
  seenEventIds: s.seenEventIds,
});

/**
 * A failover with a backlog: the portfolio's codes sit on two partitions, the node that ran it stops, ten minutes
 * of market data are published meanwhile, and the next node catches up from the portfolio's own positions.
 * Real Kafka and MySQL; the nodes run in this process.
 */
describe('node-runtime recovery in event-time order (real Kafka, MySQL)', () => {
  const s = suffix();
  const db = testDb();
  const store = new MySqlPortfolioStateStore(db);
  const logger = quiet();
  const reader = new KafkaLogReader({ brokers: env('KAFKA_BROKERS').split(','), clientId: `etr-${s}`, logger });
  const bus = testBus(`etr-${s}`);
  const nodes: ExecutionNode[] = [];
  const alerts: Alert[] = [];
  const dropped: string[] = [];
  const portfolioId = `etr-${s}`;
  const [codeA, codeB] = codesOnTwoPartitions();
  const spec = PortfolioSpec.parse({
    market: 'cn',
    initialCash: '100000.00',
    // Thresholds no price path here reaches: the test is about what the indicator saw, not about orders.
    strategy: { name: 'rsi', params: { period: 5, low: 1, high: 99 } },
    interestedCodes: [codeA, codeB],
  });

  const startNode = async (nodeId: string) => {
    const node = new ExecutionNode({
      nodeId,
      markets: ['cn'],
      bus: testBus(nodeId),
      stateStore: store,
      logger,
      logReader: reader,
      status: {
        report: (id, _view, result) => {
          if (id !== portfolioId || !result) return;
          alerts.push(...result.alerts);
          dropped.push(...result.dropped.map((d) => d.reason));
        },
      },
    });
    nodes.push(node);
    await node.start();
    return node;
  };

  beforeAll(async () => {
    await store.init();
  });

  afterAll(async () => {
    for (const n of nodes) await n.stop().catch(() => undefined);
    await bus.close();
    await reader.close();
    await db.close();
  }, 60000);

  // Bar i of a code: A at even seconds, B at odd ones; prices wander so the RSI moves.
  const bar = (i: number): PriceUpdate => {
    const code = i % 2 === 0 ? codeA : codeB;
    return tick(`etr-${s}-${i}`, code, 1000 + ((i * 7) % 13) - 6, i, i + 1);
  };
  const send = async (bars: PriceUpdate[]) => {
    const producer = await bus.producer();
    await producer.send(
      topics.marketData('cn'),
      bars.map((b) => ({ key: b.code, value: JSON.stringify(b) })),
    );
    await producer.close();
  };
  const applied = (node: ExecutionNode, last: PriceUpdate) =>
    waitFor(
      `bar ${last.eventId} applied`,
      () => node.worker(portfolioId)?.engine.snapshot().seenEventIds.includes(last.eventId) || undefined,
    );

  test('S3.03 S2.09 after a failover with a backlog across partitions every bar reaches the engine in time order; indicators equal an uninterrupted run', async () => {
    expect(partitionOf(codeA)).not.toBe(partitionOf(codeB));
    const first = await startNode(`etr1-${s}`);
    await first.assign({ portfolioId, spec, epoch: 1, generation: 1 });
    // Live bars one by one (their arrival order is the time order), then the node stops.
    const live = Array.from({ length: 10 }, (_, i) => bar(i));
    for (const b of live) {
      await send([b]);
      await applied(first, b);
    }
    await first.stop();

    // Ten minutes of both codes while nobody runs the portfolio: far beyond the engine's 30 s tolerance.
    const backlog = Array.from({ length: 600 }, (_, i) => bar(10 + i));
    await send(backlog);

    const second = await startNode(`etr2-${s}`);
    await second.assign({ portfolioId, spec, epoch: 2, generation: 1 });
    const after = [bar(610), bar(611)];
    for (const b of after) {
      await send([b]);
      await applied(second, b);
    }

    const reference = PortfolioEngine.create({ portfolioId, spec, registry: createDefaultRegistry() });
    for (const b of [...live, ...backlog, ...after]) reference.handle(b);
    expect(alerts.filter((a) => a.code === 'CLOCK_BACKWARDS')).toEqual([]);
    expect(dropped.filter((r) => /clock|paused|out of order/.test(r))).toEqual([]);
    expect(decisive(second.worker(portfolioId)!.engine.snapshot())).toEqual(decisive(reference.snapshot()));
  }, 120000);
});
