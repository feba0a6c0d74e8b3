import { topics, type PriceUpdate, type SubmitOrder } from '@ginkgo/contracts';
import { KafkaMessageBus, MySqlDatabase, createLogger } from '@ginkgo/platform';
import { testBedEnv, buyAndHoldSpec } from '@ginkgo/platform/testing';
import { applyPortfolio, createNamespace, getPortfolio, testKube } from './support/kube.js';
import { eventually, startProcess, waitReady, type ManagedProcess } from './support/processes.js';
import { shanghaiTs } from './support/market-time.js';
import { uniqueCodes } from './support/isolation.js';
import { positionVolumes } from './support/positions.js';

const suffix = `${Date.now().toString(36)}${process.pid.toString(36)}`;
const namespace = `e2e-skeleton-${suffix}`;
const nodeId = `skel-node-${suffix}`;
const [code] = uniqueCodes(1) as [string];

describe('walking skeleton: kubectl apply -> operator -> node-runtime -> Kafka -> paper gateway -> MySQL -> status', () => {
  const clients = testKube();
  const procs: ManagedProcess[] = [];
  const env = testBedEnv(namespace);

  beforeAll(async () => {
    await createNamespace(clients, namespace);
    const operator = await startProcess('operator', 'operator', {
      ...env,
      INSTALL_CRDS: 'true',
      OPERATOR_ID: `op-${suffix}`,
    });
    procs.push(operator);
    await waitReady(operator);
    const node = await startProcess('node-runtime', 'node-runtime', {
      ...env,
      NODE_ID: nodeId,
      NODE_LEASE_SECONDS: '6',
      STATUS_INTERVAL_MS: '100',
      REFERENCE_CLOCK: 'source',
    });
    const livecore = await startProcess('livecore', 'livecore', { ...env, MARKET: 'cn' });
    procs.push(node, livecore);
    await Promise.all([waitReady(node), waitReady(livecore)]);
  }, 120000);

  afterAll(async () => {
    for (const p of procs.reverse()) await p.stop();
  }, 60000);

  const name = `skeleton-${suffix}`;
  const tick: PriceUpdate = {
    type: 'price',
    eventId: `skeleton-${suffix}-1`,
    ts: shanghaiTs('2026-11-24', '10:00'),
    seq: 1,
    market: 'cn',
    code,
    kind: 'tick',
    price: 1000,
    volume: 5000,
    prevClose: 995,
  };

  test('S2.02 an applied Portfolio is assigned by the operator and started on the node', async () => {
    await applyPortfolio(clients, namespace, name, buyAndHoldSpec([code]));
    const running = await eventually(
      'portfolio assigned and running',
      async () => {
        const p = await getPortfolio(clients, namespace, name);
        return p?.status?.assignedNode === nodeId && p.status.phase === 'Running' ? p : undefined;
      },
      60000,
    );
    expect(running.status?.epoch).toBeGreaterThanOrEqual(1);
    expect(running.status?.cash).toBe('100000.00');
  });

  test('S1.02 a tick on market.data.cn becomes an order on orders.cn (strategy -> risk -> sizer -> order)', async () => {
    const bus = new KafkaMessageBus({
      brokers: env.KAFKA_BROKERS.split(','),
      clientId: 'e2e-skeleton',
      logger: createLogger('e2e'),
    });
    try {
      const orders: SubmitOrder[] = [];
      const consumer = await bus.consumer({
        groupId: `e2e-skeleton-orders-${suffix}`,
        topics: [topics.orders('cn')],
        fromBeginning: true,
      });
      await consumer.run(async (m) => {
        let o: SubmitOrder;
        try {
          o = JSON.parse(m.value ?? '{}') as SubmitOrder; // orders.cn also carries fuzzed values of other tests
        } catch {
          return;
        }
        if (o?.portfolioId === name) orders.push(o);
      });
      const producer = await bus.producer();
      await producer.send(topics.marketData('cn'), [{ key: tick.code, value: JSON.stringify(tick) }]);
      await eventually('order on orders.cn', async () => (orders.length > 0 ? orders : undefined), 60000);
      expect(orders).toHaveLength(1);
      expect(orders[0]).toMatchObject({
        type: 'submit',
        clientOrderId: `${name}-1`,
        code,
        side: 'BUY',
        volume: 100,
        price: 1000,
        nodeId,
      });
      expect(orders[0]?.epoch).toBeGreaterThanOrEqual(1);
      await consumer.close();
      await producer.close();
    } finally {
      await bus.close();
    }
  });

  test('the paper gateway fills the order; the node persists position and cash in MySQL and shows them in status', async () => {
    const filled = await eventually(
      'position in the Portfolio status',
      async () => {
        const p = await getPortfolio(clients, namespace, name);
        return p?.status?.positions?.find((x) => x.code === code && x.volume === 100) ? p : undefined;
      },
      60000,
    );
    // 100 shares at 10.00 = 1000.00 plus fees (commission minimum and transfer fee) leaves < 99000.
    const cash = Number(filled.status?.cash);
    expect(cash).toBeLessThan(99000);
    expect(cash).toBeGreaterThan(98980);

    const db = new MySqlDatabase(env.MYSQL_URL);
    try {
      expect(await positionVolumes(db, name, code)).toEqual([100]);
    } finally {
      await db.close();
    }
  });
});
