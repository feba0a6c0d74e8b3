import type { KubeClients } from '@ginkgo/platform';
import type { OperatorHandle } from '../src/index.js';
import {
  FakeNode,
  condition,
  createPortfolio,
  getPortfolio,
  kubeClients,
  patchPortfolio,
  setupNamespace,
  startTestOperator,
  teardownNamespace,
  waitFor,
} from './kube-helpers.js';

/** Planned moves (drain, rebalance) wait for the running node to stop and persist before the next one starts. */
describe('operator against the real kube-apiserver: hand-over on planned moves', () => {
  let clients: KubeClients;
  let ns: string;
  let op: OperatorHandle;
  const nodes: FakeNode[] = [];

  beforeAll(async () => {
    clients = kubeClients();
    ns = await setupNamespace(clients, 'op-handover');
    op = await startTestOperator(ns, { handoverTimeoutSeconds: 3 });
    await waitFor('leadership', () => op.isLeader());
  });

  afterAll(async () => {
    await op?.stop();
    await Promise.all(nodes.map((n) => n.stop()));
    if (ns) await teardownNamespace(clients, ns);
  });

  const node = async (id: string, market: string) => {
    const n = await new FakeNode(clients, ns, id, 4).start({ 'ginkgo.live/markets': market });
    nodes.push(n);
    return n;
  };
  const events = async (name: string) =>
    (await clients.core.listNamespacedEvent({ namespace: ns })).items.filter((e) => e.involvedObject.name === name).map((e) => e.reason);

  test('S3.06 drain: the node is asked to release (handoverTo), releases its epoch, then the other node gets epoch + 1', async () => {
    const a = await node('ha', 'h1');
    await createPortfolio(clients, ns, 'h1-1', { market: 'h1' });
    await waitFor('on ha', async () => (await getPortfolio(clients, ns, 'h1-1'))?.status?.assignedNode === 'ha');
    await node('hb', 'h1');
    await a.annotate({ 'ginkgo.live/draining': 'true' });
    const asked = await waitFor('hand-over asked', async () => {
      const p = await getPortfolio(clients, ns, 'h1-1');
      return p?.status?.handoverTo === 'hb' ? p : undefined;
    });
    // Still ha's, same epoch, until ha says it stopped and persisted.
    expect(asked.status).toMatchObject({ assignedNode: 'ha', epoch: 1 });
    expect(condition(asked, 'Assigned')?.reason).toBe('HandingOver');
    await patchPortfolio(clients, ns, 'h1-1', { status: { releasedEpoch: 1 } }, true);
    const moved = await waitFor('moved', async () => {
      const p = await getPortfolio(clients, ns, 'h1-1');
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
    for (const n of ['h2-1', 'h2-2']) await createPortfolio(clients, ns, n, { market: 'h2' });
    await waitFor('on hc', async () =>
      (await Promise.all(['h2-1', 'h2-2'].map((n) => getPortfolio(clients, ns, n)))).every((p) => p?.status?.assignedNode === 'hc'));
    await node('hd', 'h2'); // scale-out: one of the two should move
    const moved = await waitFor('one moved after the timeout', async () => {
      const ps = await Promise.all(['h2-1', 'h2-2'].map((n) => getPortfolio(clients, ns, n)));
      return ps.find((p) => p?.status?.assignedNode === 'hd');
    });
    expect(moved.status).toMatchObject({ epoch: 2 });
    expect(condition(moved, 'Assigned')?.reason).toBe('Rebalanced');
    await waitFor('timeout event', async () => (await events(moved.metadata.name)).includes('HandoverTimedOut'));
    const other = (await getPortfolio(clients, ns, moved.metadata.name === 'h2-1' ? 'h2-2' : 'h2-1'))!;
    expect(other.status).toMatchObject({ assignedNode: 'hc', epoch: 1 });
    expect(other.status?.handoverTo).toBeUndefined();
  });
});
