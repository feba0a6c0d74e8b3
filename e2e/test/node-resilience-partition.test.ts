import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { OrderMessage } from '@ginkgo/contracts';
import { TcpProxy, startKafkaProxy, buyAndHoldSpec } from '@ginkgo/platform/testing';
import { E2eCluster, eventually, logLine } from '../../operator/test/e2e-harness.js';
import { uniqueCodes } from './support/isolation.js';

/**
 * Dependency loss of one node with the real processes (operator, two node-runtimes): node A reaches Kafka,
 * Redis and the API server only through proxies in this test process (Kafka's advertised broker port rewritten
 * so every Kafka connection of A goes through its proxy); the test cuts them (connections reset, new ones
 * refused) and restores them. Node B and the operator use the servers directly; no shared server is stopped.
 */
describe('e2e: a node loses Kafka and Redis (S3.04), then is partitioned from Kafka, Redis and the API server (S5.09)', () => {
  const c = new E2eCluster('node-res', 4);
  const [c1, c2, c3, c4] = uniqueCodes(4) as [string, string, string, string];
  const name = `nres-${c.suffix}`;
  let kafka: TcpProxy;
  let redis: TcpProxy;
  let api: TcpProxy;
  let dir: string;
  let a = '';
  let b = '';
  let orders: { orders: OrderMessage[]; close: () => Promise<void> };
  const metric = async (node: string, name: string, labels = '') => {
    const text = await (await fetch(`http://127.0.0.1:${c.node(node).healthPort}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(name) && l.includes(labels));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : undefined;
  };

  beforeAll(async () => {
    await c.start();
    kafka = await startKafkaProxy({ brokerPort: Number(c.env.KAFKA_BROKERS!.split(',')[0]!.split(':')[1]) });
    const realRedis = new URL(c.env.REDIS_URL!);
    redis = await TcpProxy.start({ targetHost: realRedis.hostname, targetPort: Number(realRedis.port) });
    const kc = new KubeConfig();
    kc.loadFromFile(c.env.KUBECONFIG!);
    const server = new URL(kc.getCurrentCluster()!.server);
    api = await TcpProxy.start({ targetHost: server.hostname, targetPort: Number(server.port || 443) });
    const proxied = new URL(server.toString());
    proxied.port = String(api.port);
    const cluster = kc.getCurrentCluster()!;
    kc.clusters = kc.clusters.map((x) =>
      x.name === cluster.name ? { ...x, server: proxied.toString().replace(/\/$/, '') } : x,
    );
    dir = await mkdtemp(path.join(os.tmpdir(), 'node-res-e2e-'));
    await writeFile(path.join(dir, 'kubeconfig'), kc.exportConfig());
    realRedis.host = `127.0.0.1:${redis.port}`;
    a = await c.startNode('a', {
      KAFKA_BROKERS: `127.0.0.1:${kafka.port}`,
      REDIS_URL: realRedis.toString(),
      KUBECONFIG: path.join(dir, 'kubeconfig'),
      DEPENDENCY_CHECK_INTERVAL_MS: '300',
      SPOOL_DIR: path.join(dir, 'spool'),
    });
    orders = await c.watchOrders([name, `nres2-${c.suffix}`]);
  }, 120000);

  afterAll(async () => {
    for (const p of [kafka, redis, api]) p?.restore();
    await orders?.close();
    await c.stop();
    for (const p of [kafka, redis, api]) await p?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60000);

  // The node's consumer groups have committed nothing before the cut: the tick sent during the outage is
  // read only because the bus pins a new group's start offsets (a rejoin would otherwise resolve the log end).
  test('S3.04 node loses Kafka and Redis: errors logged, reconnects with backoff, keeps its Lease and portfolio, trades the missed tick once', async () => {
    await c.apply(name, buyAndHoldSpec([c1, c2, c3]));
    await c.running(name, a);
    b = await c.startNode('b');

    kafka.cut();
    redis.cut();
    const cutAt = Date.now();
    await c.tick(c1, 1000);
    // Errors logged (alerts) for both, and the node stays live with its Lease (the API server is reachable).
    await eventually('kafka and redis down on a', async () =>
      (await metric('a', 'ginkgo_node_dependency_up', 'dependency="kafka"')) === 0 &&
      (await metric('a', 'ginkgo_node_dependency_up', 'dependency="redis"')) === 0
        ? true
        : undefined,
    );
    await eventually(
      'outage longer than the Lease',
      async () => (Date.now() - cutAt > 6000 && kafka.refused > 2 ? true : undefined),
      30000,
    );
    expect(logLine(c.node('a'), 'kafka unreachable: clients retry with backoff')).toMatchObject({
      alert: 'DependencyDown',
    });
    expect(logLine(c.node('a'), 'redis unreachable: clients retry with backoff')).toMatchObject({
      alert: 'DependencyDown',
    });
    expect(orders.orders).toEqual([]);
    const during = await c.get(name);
    expect(during?.status?.assignedNode).toBe(a);
    expect(during?.status?.epoch).toBe(1);

    kafka.restore();
    redis.restore();
    const order = await eventually(
      'the missed tick traded after the reconnect',
      async () => orders.orders.find((o) => o.type === 'submit' && o.code === c1),
      120000,
    );
    expect(order).toMatchObject({ nodeId: a, epoch: 1, clientOrderId: `${name}-1` });
    await eventually('kafka and redis up again on a', async () =>
      (await metric('a', 'ginkgo_node_dependency_up', 'dependency="kafka"')) === 1 &&
      (await metric('a', 'ginkgo_node_dependency_up', 'dependency="redis"')) === 1
        ? true
        : undefined,
    );
    expect((await c.get(name))?.status).toMatchObject({ assignedNode: a, epoch: 1 });
  }, 150000);

  test('S5.09 partition (Kafka, Redis, API server): A fences itself, the operator moves the portfolio to B, A sends nothing when healed — no split brain', async () => {
    expect(b).not.toBe('');
    kafka.cut();
    redis.cut();
    api.cut();
    const moved = await c.until('moved to b', name, (p) => p.status?.assignedNode === b, 60000);
    expect(moved.status?.epoch).toBe(2);
    await c.running(name, b, 60000);
    // A trade during the partition happens on B only, with the new epoch.
    await c.tick(c2, 2000);
    const onB = await eventually(
      'order from b',
      async () => orders.orders.find((o) => o.type === 'submit' && o.code === c2),
      45000,
    );
    expect(onB).toMatchObject({ nodeId: b, epoch: 2 });
    await eventually(
      'a noticed it lost its Lease',
      async () => (logLine(c.node('a'), 'node lease lost: fencing this node') ? true : undefined),
      30000,
    );

    // Healed: A reconnects and reads the ticks it missed (c2 among them) but trades none of them.
    const eventsBefore = (await metric('a', 'ginkgo_node_events_in_total', 'kind="market"')) ?? 0;
    kafka.restore();
    redis.restore();
    api.restore();
    await eventually(
      'a healed',
      async () =>
        (await metric('a', 'ginkgo_node_dependency_up', 'dependency="kafka"')) === 1 &&
        (await metric('a', 'ginkgo_node_fenced')) === 0
          ? true
          : undefined,
      60000,
    );
    await eventually(
      'a consumed the ticks it missed',
      async () =>
        ((await metric('a', 'ginkgo_node_events_in_total', 'kind="market"')) ?? 0) > eventsBefore ? true : undefined,
      60000,
    );
    await c.tick(c3, 3000);
    await eventually(
      'b trades the next tick',
      async () => orders.orders.find((o) => o.type === 'submit' && o.code === c3),
      45000,
    );
    const fromA = orders.orders.filter((o) => o.nodeId === a);
    expect(fromA.map((o) => o.clientOrderId)).toEqual([`${name}-1`]);
    const ids = orders.orders.filter((o) => o.type === 'submit').map((o) => o.clientOrderId);
    expect(new Set(ids).size).toBe(ids.length);
    const p = await c.get(name);
    expect(p?.status).toMatchObject({ assignedNode: b, runningNode: b, epoch: 2 });
  }, 150000);

  // Found by `make chaos` (a kube-apiserver restart): the node stopped its portfolios when its Lease lapsed and,
  // once it renewed it, never started the ones still assigned to it; their status still said Running.
  test('S5.09 API server gone longer than the Lease while no operator acts: A fences itself, and runs its portfolio again once it holds its Lease', async () => {
    await c.node('b').stop();
    const mine = `nres2-${c.suffix}`;
    await c.apply(mine, buyAndHoldSpec([c4]));
    await c.running(mine, a, 60000);
    const count = (msg: string) => c.node('a').logs.filter((l) => l.includes(`"msg":"${msg}"`)).length;
    const [lost, regained] = [count('node lease lost: fencing this node'), count('node lease regained')];
    // The operator down too (as when the API server itself restarts): nobody moves the portfolio meanwhile.
    await c.operator!.kill();
    api.cut();
    await eventually('a fenced itself', async () =>
      count('node lease lost: fencing this node') > lost ? true : undefined,
    );
    api.restore();
    await eventually('a holds its Lease again', async () =>
      count('node lease regained') > regained ? true : undefined,
    );
    await c.restartOperator();
    expect((await c.get(mine))?.status).toMatchObject({ assignedNode: a, epoch: 1 });
    await c.tick(c4, 4000);
    const order = await eventually(
      'a trades its portfolio again',
      async () => orders.orders.find((o) => o.type === 'submit' && o.code === c4),
      45000,
    );
    expect(order).toMatchObject({ nodeId: a, epoch: 1, clientOrderId: `${mine}-1` });
  }, 150000);
});
