import type { SubmitOrder } from '@ginkgo/contracts';
import { MySqlDatabase } from '@ginkgo/platform';
import { E2eCluster, condition, eventually, logLine } from '../../operator/test/e2e-harness.js';
import { uniqueCodes } from './support/isolation.js';
import { buyAndHoldSpec } from '@ginkgo/platform/testing';

/**
 * Failover with the real processes: SIGKILL the node that runs a portfolio; the operator sees its Lease
 * expire and moves the portfolio (epoch + 1) to the other node, which restores it from MySQL and trades again
 * with the new epoch; the gateway refuses the old epoch.
 */
describe('operator e2e: node failure (SIGKILL) with real node-runtime, livecore and operator processes', () => {
  const c = new E2eCluster('op-fail', 4);
  const [first, second, zombieCode] = uniqueCodes(3) as [string, string, string];
  const name = `fo-${c.suffix}`;
  let a = '';
  let b = '';
  let db: MySqlDatabase;

  beforeAll(async () => {
    await c.start({ livecore: true });
    a = await c.startNode('a');
    db = new MySqlDatabase(c.env.MYSQL_URL!);
  }, 120000);

  afterAll(async () => {
    await db?.close();
    await c.stop();
  }, 60000);

  test('S2.09 SIGKILL of the running node: the portfolio moves with epoch + 1, state restored from MySQL, trading resumes', async () => {
    await c.apply(name, buyAndHoldSpec([first, second, zombieCode]));
    const onA = await c.running(name, a);
    expect(onA.status?.epoch).toBe(1);
    const orders = await c.watchOrders([name]);
    try {
      // Trade on A: buy-and-hold buys `first`; the fill lands in MySQL and in status.
      await c.tick(first, 1000);
      await c.until(
        'position on A',
        name,
        (p) => !!p.status?.positions?.some((x) => x.code === first && x.volume === 100),
      );
      b = await c.startNode('b');

      const killedAt = Date.now();
      await c.node('a').kill();
      const moved = await c.until('moved to b', name, (p) => p.status?.assignedNode === b, 60000);
      const movedAt = Date.now();
      const onB = await c.running(name, b, 60000);
      const runningAt = Date.now();
      expect(onB.status?.epoch).toBe(2);
      expect(condition(moved, 'Assigned')?.reason).toBe('FailedOver');
      // Restored from MySQL: the position bought on A is there, not a fresh portfolio.
      expect(onB.status?.positions?.find((x) => x.code === first)?.volume).toBe(100);

      // Trading again on B with the new epoch; `first` is not bought twice (its strategy state came back too).
      await c.tick(second, 2000);
      await c.tick(first, 1010);
      const next = await eventually(
        'order from b',
        async () => orders.orders.find((o): o is SubmitOrder => o.type === 'submit' && o.code === second),
        45000,
      );
      const tradingAt = Date.now();
      expect(next).toMatchObject({ nodeId: b, epoch: 2, clientOrderId: `${name}-2` });
      await c.until(
        'second position on b',
        name,
        (p) => !!p.status?.positions?.some((x) => x.code === second && x.volume === 100),
      );
      expect(orders.orders.filter((o) => o.type === 'submit' && o.code === first).map((o) => o.epoch)).toEqual([1]);

      const detect = logLine(c.operator!, 'node lost: its portfolios fail over', (l) => l.node === a);
      process.stdout.write(
        `S2.09 failover (lease ${c.leaseSeconds} s): detection ${String(detect?.detectionSeconds)} s after Lease expiry; ` +
          `SIGKILL -> reassigned ${movedAt - killedAt} ms, -> Running on ${b} ${runningAt - killedAt} ms, -> trading again ${tradingAt - killedAt} ms\n`,
      );
    } finally {
      await orders.close();
    }
  });

  test('S3.03 after the crash the dead node holds nothing: its Lease lapsed unrenewed and its portfolio runs only on the survivor', async () => {
    expect(c.node('a').child.signalCode).toBe('SIGKILL');
    const lease = await c.clients.coordination.readNamespacedLease({ name: `node-${a}`, namespace: c.namespace });
    const renewed = new Date(lease.spec?.renewTime ?? 0).getTime();
    expect(Date.now() - renewed).toBeGreaterThan((lease.spec?.leaseDurationSeconds ?? 0) * 1000);
    const p = await c.running(name, b);
    expect(p.status).toMatchObject({ assignedNode: b, runningNode: b, epoch: 2, runningEpoch: 2 });
  });

  test("S9.10 one runner at a time: the fenced-off node's epoch is refused by the gateway", async () => {
    const at = Date.now();
    // What the killed node would send if it were a zombie: its last epoch (1). Then a current-epoch order on the
    // same partition (same key): once that one is in the ledger, the zombie's has been decided.
    const zombie: SubmitOrder = {
      type: 'submit',
      portfolioId: name,
      epoch: 1,
      nodeId: a,
      clientOrderId: `${name}-900`,
      market: 'cn',
      code: zombieCode,
      side: 'BUY',
      orderType: 'LIMIT',
      price: 1000,
      volume: 100,
      ts: at,
      reason: 'zombie',
    };
    const current: SubmitOrder = { ...zombie, epoch: 2, nodeId: b, clientOrderId: `${name}-901`, reason: 'current' };
    await c.send(zombie);
    await c.send(current);
    const ids = async () =>
      (
        await db.query<{ client_order_id: string }>(
          'SELECT client_order_id FROM gateway_order WHERE portfolio_id = ?',
          [name],
        )
      ).map((r) => r.client_order_id);
    await eventually(
      'current-epoch order admitted',
      async () => ((await ids()).includes(current.clientOrderId) ? true : undefined),
      45000,
    );
    expect(await ids()).not.toContain(zombie.clientOrderId);
    const fence = await db.query<{ epoch: number }>('SELECT epoch FROM gateway_fence WHERE portfolio_id = ?', [name]);
    expect(Number(fence[0]?.epoch)).toBe(2);
    // And the operator never gives the portfolio back to the dead node: its status stays with b.
    expect((await c.get(name))?.status).toMatchObject({ assignedNode: b, epoch: 2, runningNode: b, runningEpoch: 2 });
  });
});
