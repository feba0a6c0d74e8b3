import { condition, waitFor } from './kube-helpers.js';
import { useOperatorFixture } from './operator-fixture.js';

/** Planned moves (drain, rebalance) wait for the running node to stop and persist before the next one starts. */
describe('operator against the real kube-apiserver: hand-over on planned moves', () => {
  const fx = useOperatorFixture('op-handover', { operator: { handoverTimeoutSeconds: 3 } });
  // 15 s Leases: nothing here is about a lapse, and on a loaded machine a short Lease lapses and adds epochs.
  const node = (id: string, market: string) => fx.node(id, 15, { 'ginkgo.live/markets': market });
  const events = async (name: string) =>
    (await fx.clients.core.listNamespacedEvent({ namespace: fx.ns })).items
      .filter((e) => e.involvedObject.name === name)
      .map((e) => e.reason);

  test('S3.06 drain: the node is asked to release (handoverTo), releases its epoch, then the other node gets epoch + 1', async () => {
    const a = await node('ha', 'h1');
    await fx.createPortfolio('h1-1', { market: 'h1' });
    await waitFor('on ha', async () => (await fx.getPortfolio('h1-1'))?.status?.assignedNode === 'ha');
    await node('hb', 'h1');
    await a.annotate({ 'ginkgo.live/draining': 'true' });
    const asked = await waitFor('hand-over asked', async () => {
      const p = await fx.getPortfolio('h1-1');
      return p?.status?.handoverTo === 'hb' ? p : undefined;
    });
    // Still ha's, same epoch, until ha says it stopped and persisted.
    expect(asked.status).toMatchObject({ assignedNode: 'ha', epoch: 1 });
    expect(condition(asked, 'Assigned')?.reason).toBe('HandingOver');
    await fx.patchPortfolio('h1-1', { status: { releasedEpoch: 1 } }, true);
    const moved = await waitFor('moved', async () => {
      const p = await fx.getPortfolio('h1-1');
      return p?.status?.assignedNode === 'hb' ? p : undefined;
    });
    expect(moved.status).toMatchObject({ epoch: 2 });
    expect(moved.status?.handoverTo).toBeUndefined();
    expect(condition(moved, 'Assigned')?.reason).toBe('Drained');
    await waitFor('HandingOver event', async () => (await events('h1-1')).includes('HandingOver'));
    expect(await events('h1-1')).not.toContain('HandoverTimedOut');
  });

  test('S3.05 a node that never releases: the move goes ahead after the timeout (the epoch fences it)', async () => {
    await node('hc', 'h2');
    for (const n of ['h2-1', 'h2-2']) await fx.createPortfolio(n, { market: 'h2' });
    await waitFor('on hc', async () =>
      (await Promise.all(['h2-1', 'h2-2'].map((n) => fx.getPortfolio(n)))).every(
        (p) => p?.status?.assignedNode === 'hc',
      ),
    );
    await node('hd', 'h2'); // scale-out: one of the two should move
    const moved = await waitFor('one moved after the timeout', async () => {
      const ps = await Promise.all(['h2-1', 'h2-2'].map((n) => fx.getPortfolio(n)));
      return ps.find((p) => p?.status?.assignedNode === 'hd');
    });
    expect(moved.status).toMatchObject({ epoch: 2 });
    expect(condition(moved, 'Assigned')?.reason).toBe('Rebalanced');
    await waitFor('timeout event', async () => (await events(moved.metadata.name)).includes('HandoverTimedOut'));
    const other = (await fx.getPortfolio(moved.metadata.name === 'h2-1' ? 'h2-2' : 'h2-1'))!;
    expect(other.status).toMatchObject({ assignedNode: 'hc', epoch: 1 });
    expect(other.status?.handoverTo).toBeUndefined();
  });
});
