import { MySqlDatabase } from '@ginkgo/platform';
import { buyAndHoldSpec } from '@ginkgo/platform/testing';
import { E2eCluster, eventually, withLivecoreAndNodes } from '../../operator/test/e2e-harness.js';
import { uniqueCodes } from './support/isolation.js';

/**
 * A Portfolio deleted and then created again under the same name (a trader re-applying a manifest, Argo CD
 * recreating a pruned resource) is a new portfolio: it starts from its own spec's cash with no positions, its
 * orders get ids the gateway has never seen (the old incarnation's `<name>-1` must not come back as a replay),
 * and the old incarnation's state stays archived.
 */
describe('operator e2e: a Portfolio re-created under the name of a deleted one', () => {
  const c = new E2eCluster('op-recreate', 15);
  const [a] = withLivecoreAndNodes(c, ['a', 'b']) as [string, string];
  const [oldCode, newCode] = uniqueCodes(2) as [string, string];
  const name = `re-${c.suffix}`;
  const short = (id: string) => (id === a ? 'a' : 'b');

  test('S2.07 re-created under a deleted name: fresh state, new order ids, its fill booked once, the old one archived', async () => {
    const db = new MySqlDatabase(c.env.MYSQL_URL!);
    const events = await c.watchOrderEvents([name]);
    const orders = await c.watchOrders([name]);
    try {
      // First incarnation: it buys, then moves once (epoch 2) so that its saved state outranks a new epoch 1.
      await c.apply(name, buyAndHoldSpec([oldCode]));
      const first = await c.running(name);
      await c.tick(oldCode, 1000);
      await c.until('the first incarnation holds oldCode', name, (p) =>
        (p.status?.positions ?? []).some((x) => x.code === oldCode && x.volume === 100),
      );
      await c.node(short(first.status!.assignedNode!)).stop(15000);
      const moved = await c.until(
        'moved with epoch 2',
        name,
        (p) => p.status?.phase === 'Running' && p.status.epoch === 2,
      );
      const survivor = moved.status!.assignedNode!;
      await c.clients.custom.deleteNamespacedCustomObject({
        group: 'ginkgo.live',
        version: 'v1alpha1',
        namespace: c.namespace,
        plural: 'portfolios',
        name,
      });
      await eventually(
        'the first incarnation gone',
        async () => ((await c.get(name)) === undefined ? true : undefined),
        45000,
      );

      // Second incarnation, same name, another code.
      await c.apply(name, buyAndHoldSpec([newCode]));
      const second = await c.running(name, survivor);
      expect(second.status?.epoch).toBe(1);
      expect(second.status?.positions ?? []).toEqual([]);
      await c.tick(newCode, 1000);
      const held = await c.until('the second incarnation holds newCode', name, (p) =>
        (p.status?.positions ?? []).some((x) => x.code === newCode && x.volume === 100),
      );
      expect((held.status?.positions ?? []).map((x) => x.code)).toEqual([newCode]);
      expect(held.status?.openOrders).toBe(0);

      // Order ids: the new incarnation's id was never used by the old one, and each id has one submit.
      const submits = orders.orders.filter((o) => o.type === 'submit');
      const newId = submits.find((o) => o.code === newCode)!.clientOrderId;
      expect(submits.filter((o) => o.code === oldCode).map((o) => o.clientOrderId)).not.toContain(newId);
      // The gateway treated it as a new order: accepted and filled once, not a replay of the old events.
      const fills = await eventually('the new order filled', async () => {
        const f = events.events.filter((e) => e.clientOrderId === newId && e.event === 'FILLED');
        return f.length ? f : undefined;
      });
      expect(fills).toHaveLength(1);
      expect(fills[0]).toMatchObject({ fillVolume: 100, fillPrice: 1000 });

      // MySQL: the live row is the new incarnation's; the old one is archived, positions and all.
      const live = await db.query<{ epoch: number; deleted_at: Date | null }>(
        'SELECT epoch, deleted_at FROM portfolio_state WHERE portfolio_id = ?',
        [name],
      );
      expect(live).toEqual([{ epoch: 1, deleted_at: null }]);
      const archived = await db.query<{ epoch: number; snapshot: string }>(
        'SELECT epoch, snapshot FROM portfolio_state_archive WHERE portfolio_id = ?',
        [name],
      );
      expect(archived.map((r) => Number(r.epoch))).toEqual([2]);
      expect(archived[0]!.snapshot).toContain(oldCode);
    } finally {
      await events.close();
      await orders.close();
      await db.close();
    }
  }, 240000);
});
