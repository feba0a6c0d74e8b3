import type { SubmitOrder } from '@ginkgo/contracts';
import { createKafkaProbe } from '@ginkgo/platform';
import { startKafkaProxy, type TcpProxy } from '@ginkgo/platform/testing';
import { env, topics, waitFor } from './helpers.js';
import { nodeTestBed, type TestNode } from './node-fixture.js';
import { metricValue, readyz, scrape } from './resilience-helpers.js';

/**
 * Kafka outage with the real broker: the node reaches Kafka only through a Kafka-aware TCP proxy that rewrites
 * the advertised broker port in Metadata/FindCoordinator answers, so bootstrap, partition leaders and the group
 * coordinator all go through it; cutting it resets every connection of the node (consumers, producer, log
 * reader, probe) and refuses new ones. The broker keeps running for everyone else.
 */
describe('node-runtime when Kafka is unreachable', () => {
  const bed = nodeTestBed('node-kafka', 'nk');
  const { s, nodeId, bus } = bed;
  const [code] = bed.codes as [string];
  const brokerPort = Number(env('KAFKA_BROKERS').split(',')[0]!.split(':')[1]);
  let proxy: TcpProxy;
  let node: TestNode;
  let orders: { items: SubmitOrder[] };
  let seq = 0;
  const send = (price: number) => {
    seq++;
    return bed.sendTick(code, `nk-${s}-${seq}`, price, seq, seq);
  };
  /** Where each of our ticks landed (`<topic>:<partition>` and offset), read straight from the broker. */
  const landed = new Map<string, { key: string; offset: bigint }>();
  /** The market-data input position the portfolio has applied up to (order events from a gateway do not count). */
  const applied = (name: string, key: string) => {
    const at = node.node.worker(name)?.inputPositions()[key];
    return at === undefined ? -1n : BigInt(at);
  };

  beforeAll(async () => {
    await bed.setUp();
    proxy = await startKafkaProxy({ brokerPort });
    orders = await bed.collect<SubmitOrder>(topics.orders('cn'), (o) => o.portfolioId?.startsWith(`nk-${s}`));
    const md = await bus.consumer({ groupId: `nk-md-${s}`, topics: [topics.marketData('cn')] });
    await md.run(async (m) => {
      if (m.key === code)
        landed.set((JSON.parse(m.value ?? '{}') as { eventId: string }).eventId, {
          key: `${m.topic}:${m.partition}`,
          offset: BigInt(m.offset),
        });
    });
    await md.joined();
    node = await bed.startNode(nodeId, {
      KAFKA_BROKERS: `127.0.0.1:${proxy.port}`,
      DEPENDENCY_CHECK_INTERVAL_MS: '300',
    });
  }, 60000);

  afterAll(async () => {
    proxy?.restore();
    await bed.tearDown();
    await proxy?.close();
  }, 60000);

  test('the Kafka proxy answers while open, refuses while cut, and answers again once restored', async () => {
    const p = await startKafkaProxy({ brokerPort });
    const probe = createKafkaProbe([`127.0.0.1:${p.port}`], `nk-probe-${s}`);
    try {
      await probe();
      p.cut();
      await expect(probe()).rejects.toThrow();
      expect(p.refused).toBeGreaterThan(0);
      p.restore();
      await probe();
    } finally {
      await p.close();
    }
  });

  test('S5.01 Kafka cut: alert metric, reconnect with backoff (no hot loop), every tick sent meanwhile applied once after it returns', async () => {
    const name = `nk-${s}-a`;
    await bed.startPortfolio(name, [code]);
    await send(999);
    const first = await waitFor('first tick on the broker', () => landed.get(`nk-${s}-1`));
    await waitFor('first tick applied', () => applied(name, first.key) >= first.offset || undefined);
    const seen = () => new Set(node.node.worker(name)?.engine.snapshot().seenEventIds ?? []);
    const outageIds = [2, 3, 4].map((i) => `nk-${s}-${i}`);
    await waitFor('first order', () => orders.items.find((o) => o.portfolioId === name));

    proxy.cut();
    const cutAt = Date.now();
    const before = applied(name, first.key);
    await waitFor('Kafka down alert', async () =>
      metricValue(await scrape(node.healthPort), 'ginkgo_node_dependency_up', 'dependency="kafka"') === 0
        ? true
        : undefined,
    );
    const prices = [1000, 1001, 1002];
    for (const p of prices) await send(p);
    const last = await waitFor('outage ticks on the broker', () => landed.get(`nk-${s}-${1 + prices.length}`));
    // Keep the cut a few seconds (poll, not sleep): the node must not see the ticks meanwhile.
    await waitFor('some reconnect attempts', () => (proxy.refused > 3 && Date.now() - cutAt > 4000 ? true : undefined));
    // Nothing reached the node meanwhile (session events of other tests on the shared topic neither).
    expect(applied(name, first.key)).toBe(before);
    expect(outageIds.filter((id) => seen().has(id))).toEqual([]);
    expect(await readyz(node.healthPort)).toBe(200);
    const attempts = proxy.refused;
    const cutMs = Date.now() - cutAt;
    proxy.restore();

    // Back: the ticks sent during the outage are applied (up to the last one's offset) and the metric clears.
    await waitFor(
      'outage ticks applied after Kafka returned',
      () => applied(name, last.key) >= last.offset || undefined,
      60000,
    );
    expect(outageIds.filter((id) => seen().has(id))).toEqual(outageIds);
    await waitFor('Kafka up again', async () =>
      metricValue(await scrape(node.healthPort), 'ginkgo_node_dependency_up', 'dependency="kafka"') === 1
        ? true
        : undefined,
    );
    await send(1003);
    const after = await waitFor('tick after the outage on the broker', () =>
      landed.get(`nk-${s}-${2 + prices.length}`),
    );
    await waitFor('live again', () => applied(name, after.key) >= after.offset || undefined);
    // No order lost or doubled: buy-and-hold bought once.
    expect(orders.items.filter((o) => o.portfolioId === name).map((o) => o.clientOrderId)).toEqual([`${name}-1`]);
    // Backoff, not a hot loop: clients (consumers, producer, reader, probe) retried, a bounded number of times.
    expect(attempts).toBeLessThan(Math.max(50, cutMs / 20));
  });
});
