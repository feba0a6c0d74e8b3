import { tradingControl } from '@ginkgo/contracts';
import { MySqlDatabase } from '@ginkgo/platform';
import { E2eCluster, condition, eventually } from '../../operator/test/e2e-harness.js';
import { mergePatch } from '../../operator/test/kube-helpers.js';
import { uniqueCodes } from './support/isolation.js';
import { buyAndHoldSpec } from '@ginkgo/platform/testing';

/** Operator-driven lifecycle with the real processes: stop, delete (finalizer handshake), emergency stop. */
describe('operator e2e: stop, delete, emergency stop with real node-runtime processes', () => {
  // 15 s Leases: nothing here is about failover, and on a loaded machine a 4 s Lease lapses and moves portfolios.
  const c = new E2eCluster('op-life', 15);
  let node = '';
  const codes = uniqueCodes(3);
  const spec = (code: string) => buyAndHoldSpec([code]);
  const stop = `stop-${c.suffix}`;
  const del = `del-${c.suffix}`;
  const halt = `halt-${c.suffix}`;

  beforeAll(async () => {
    await c.start();
    node = await c.startNode('n1');
  }, 120000);

  afterAll(() => c.stop(), 60000);

  test('S2.06 desiredState Stopped: the node stops the portfolio and reports Stopped; Running resumes it', async () => {
    await c.apply(stop, spec(codes[0]!));
    await c.running(stop, node);
    await c.patch(stop, { spec: { desiredState: 'Stopped' } });
    const stopped = await c.until(
      'Stopped by the node',
      stop,
      (p) =>
        p.status?.phase === 'Stopped' &&
        condition(p, 'Stopped')?.status === 'True' &&
        condition(p, 'Stopped')?.observedGeneration === 2,
    );
    expect(condition(stopped, 'Stopped')?.reason).toBe('DesiredStateStopped');
    expect(stopped.status?.assignedNode).toBe(node); // the assignment stays: it resumes in place
    await c.patch(stop, { spec: { desiredState: 'Running' } });
    const resumed = await c.running(stop, node);
    expect(resumed.status?.epoch).toBe(stopped.status?.epoch);
  });

  test('S2.07 delete is held by the finalizer until the node stopped it and archived its state', async () => {
    await c.apply(del, spec(codes[1]!));
    await c.running(del, node);
    await c.clients.custom.deleteNamespacedCustomObject({
      group: 'ginkgo.live',
      version: 'v1alpha1',
      namespace: c.namespace,
      plural: 'portfolios',
      name: del,
    });
    await eventually(
      'deleted portfolio gone',
      async () => ((await c.get(del)) === undefined ? true : undefined),
      45000,
    );
    // The finalizer went because the node answered (not forced, not "never ran")...
    const events = (await c.clients.core.listNamespacedEvent({ namespace: c.namespace })).items;
    const deleted = events.find((e) => e.involvedObject.name === del && e.reason === 'Deleted');
    expect(deleted?.message).toBe(`stopped and archived by ${node}`);
    // ...after archiving its state: soft-deleted in MySQL, not lost.
    const db = new MySqlDatabase(c.env.MYSQL_URL!);
    try {
      const rows = await db.query<{ deleted_at: Date | null }>(
        'SELECT deleted_at FROM portfolio_state WHERE portfolio_id = ?',
        [del],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]!.deleted_at).not.toBeNull();
    } finally {
      await db.close();
    }
  });

  test('S8.02 emergency stop: one ConfigMap halts every portfolio (no new position); lifting it resumes', async () => {
    const [during, after] = uniqueCodes(2);
    await c.apply(halt, { ...spec(codes[2]!), interestedCodes: [codes[2]!, during!, after!] });
    await c.running(halt, node);
    const orders = await c.watchOrders([halt]);
    try {
      // An order that stays open: a limit-up buy (11.00 on a 10.00 close) has no seller on any paper gateway.
      await c.tick(codes[2]!, 1100, 1000);
      const open = await eventually(
        'the limit-up buy',
        async () => orders.orders.find((o) => o.type === 'submit' && o.code === codes[2]),
        45000,
      );
      await c.until('the buy open in status', halt, (p) => p.status?.openOrders === 1);
      await c.clients.core.createNamespacedConfigMap({
        namespace: c.namespace,
        body: { metadata: { name: tradingControl.configMapName }, data: { halted: 'true', reason: 'e2e drill' } },
      });
      const names = [stop, halt];
      for (const n of names) {
        const p = await c.until(
          `${n} Halted`,
          n,
          (p) => p.status?.phase === 'Halted' && condition(p, 'Halted')?.status === 'True',
        );
        expect(condition(p, 'Halted')?.message).toBe('e2e drill');
      }
      // The halt cancels the open order (with the running epoch and node).
      const cancel = await eventually(
        'the cancel of the open buy',
        async () => orders.orders.find((o) => o.type === 'cancel' && o.clientOrderId === open.clientOrderId),
        45000,
      );
      expect(cancel).toMatchObject({ portfolioId: halt, epoch: open.epoch, nodeId: node });
      // A tick while halted opens no position.
      await c.tick(during!, 1000);
      await c.clients.core.patchNamespacedConfigMap(
        { name: tradingControl.configMapName, namespace: c.namespace, body: { data: { halted: 'false' } } },
        mergePatch(),
      );
      for (const n of names) await c.running(n, node);
      // Trading again: the next tick buys; the tick sent during the halt (long before) never did.
      await c.tick(after!, 1000);
      await eventually(
        'order after the halt',
        async () => (orders.orders.some((o) => o.type === 'submit' && o.code === after) ? true : undefined),
        45000,
      );
      expect(orders.orders.filter((o) => o.type === 'submit' && o.code === during)).toEqual([]);
      // Nothing but the open buy, its cancel and the order after the lift: no order followed the cancel during the halt.
      expect(orders.orders.map((o) => `${o.type}:${o.type === 'submit' ? o.code : o.clientOrderId}`)).toEqual([
        `submit:${codes[2]}`,
        `cancel:${open.clientOrderId}`,
        `submit:${after}`,
      ]);
    } finally {
      await orders.close();
    }
  }, 180000);

  // The node acts on status.cancelRequests and acknowledges in status.cancelAck (contract: operator/README.md,
  // "Manual order intervention"); the operator side is covered by operator-basic.int.test.ts.
  test('S6.11 kubectl annotate ginkgo.live/cancel-order: the node cancels the open order (force) and acknowledges', async () => {
    const iv = `iv-${c.suffix}`;
    const [code] = uniqueCodes(1);
    await c.apply(iv, spec(code!));
    await c.running(iv, node);
    const orders = await c.watchOrders([iv]);
    try {
      // The buy stays open: a limit-up buy (11.00 on a 10.00 close) has no seller on the paper gateway of any
      // other suite running meanwhile (orders.cn is shared).
      await c.tick(code!, 1100, 1000);
      const submit = await eventually('open order', async () => orders.orders.find((o) => o.type === 'submit'), 45000);
      await c.until('open order in status', iv, (p) => p.status?.openOrders === 1);
      await c.patch(iv, {
        metadata: {
          annotations: {
            'ginkgo.live/cancel-order': JSON.stringify({
              clientOrderId: submit.clientOrderId,
              force: true,
              reason: 'e2e',
            }),
          },
        },
      });
      const cancel = await eventually(
        'cancel on orders.cn',
        async () => orders.orders.find((o) => o.type === 'cancel'),
        45000,
      );
      expect(cancel).toMatchObject({
        type: 'cancel',
        clientOrderId: submit.clientOrderId,
        force: true,
        epoch: submit.epoch,
        nodeId: node,
      });
      const acked = await c.until(
        'acknowledged',
        iv,
        (p) => p.status?.cancelAck?.id === 1 && p.status.cancelRequests === undefined,
      );
      expect(condition(acked, 'OrderIntervention')).toMatchObject({ status: 'True', reason: 'Handled' });
    } finally {
      await orders.close();
    }
  });
});
