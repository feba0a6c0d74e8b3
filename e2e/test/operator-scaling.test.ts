import type { PortfolioResource } from '@ginkgo/contracts';
import { E2eCluster, condition, eventually } from '../../operator/test/e2e-harness.js';
import { mergePatch } from '../../operator/test/kube-helpers.js';
import { uniqueCodes } from './support/isolation.js';
import { buyAndHoldSpec } from '@ginkgo/platform/testing';

/** Scale out, manual rebalance and scale in with the real operator and node-runtime processes. */
describe('operator e2e: scale out, manual rebalance, scale in', () => {
  const c = new E2eCluster('op-scale', 4);
  const names = [1, 2, 3, 4].map((i) => `sc${i}-${c.suffix}`);
  const codes = uniqueCodes(4);
  let s1 = '';
  let s2 = '';

  beforeAll(async () => {
    await c.start({ livecore: true });
    s1 = await c.startNode('s1');
  }, 120000);

  afterAll(() => c.stop(), 60000);

  const all = async () => (await Promise.all(names.map((n) => c.get(n)))).filter((p): p is PortfolioResource => !!p);
  const byNode = (ps: PortfolioResource[]) => {
    const m: Record<string, string[]> = {};
    for (const p of ps) (m[p.status?.assignedNode ?? '-'] ??= []).push(p.metadata.name);
    return m;
  };
  const settled = (ps: PortfolioResource[]) =>
    ps.every(
      (p) =>
        p.status?.phase === 'Running' &&
        p.status.runningNode === p.status.assignedNode &&
        p.status.runningEpoch === p.status.epoch,
    );
  /** Waits until s1 and s2 run `each` portfolios apiece, every one settled; returns them. */
  const balanced = (what: string, each: number, timeoutMs: number) =>
    eventually(
      what,
      async () => {
        const ps = await all();
        const m = byNode(ps);
        return m[s1]?.length === each && m[s2]?.length === each && settled(ps) ? ps : undefined;
      },
      timeoutMs,
    );
  const position = (p: PortfolioResource | undefined, code: string) =>
    p?.status?.positions?.find((x) => x.code === code)?.volume;

  test('S3.05 scale out: a new node gets a share of the portfolios (epoch + 1, state intact), the others stay', async () => {
    for (const [i, n] of names.entries()) {
      await c.apply(n, buyAndHoldSpec([codes[i]!]));
    }
    for (const n of names) await c.running(n, s1);
    // Each buys 100 shares on s1: the state that must survive every move below.
    for (const code of codes) await c.tick(code, 1000);
    for (const [i, n] of names.entries()) await c.until(`${n} position`, n, (p) => position(p, codes[i]!) === 100);

    s2 = await c.startNode('s2');
    const after = await balanced('rebalanced onto s2', 2, 60000);
    for (const p of after) {
      const i = names.indexOf(p.metadata.name);
      expect(position(p, codes[i]!)).toBe(100);
      if (p.status?.assignedNode === s2) {
        expect(p.status.epoch).toBe(2);
        expect(condition(p, 'Assigned')?.reason).toBe('Rebalanced');
      } else expect(p.status?.epoch).toBe(1); // sticky: no needless move
    }
  });

  test('S8.01 manual rebalance: kubectl annotate pf <any> ginkgo.live/rebalance=now evens the nodes out', async () => {
    // Make s1 lighter than s2 by deleting its two portfolios: nothing rebalances on its own (no new node).
    const m = byNode(await all());
    for (const n of m[s1]!) {
      await c.clients.custom.deleteNamespacedCustomObject({
        group: 'ginkgo.live',
        version: 'v1alpha1',
        namespace: c.namespace,
        plural: 'portfolios',
        name: n,
      });
    }
    await eventually('deleted', async () => ((await all()).length === 2 ? true : undefined), 45000);
    const [keep] = m[s2]!;
    await c.patch(keep!, { metadata: { annotations: { 'ginkgo.live/rebalance': 'now' } } });
    const ps = await balanced('rebalanced', 1, 45000);
    const moved = ps.find((p) => p.status?.assignedNode === s1)!;
    expect(moved.status?.epoch).toBe(3);
    expect(condition(moved, 'Assigned')?.reason).toBe('Rebalanced');
    expect(position(moved, codes[names.indexOf(moved.metadata.name)]!)).toBe(100);
    await c.until('annotation consumed', keep!, (p) => p.metadata.annotations?.['ginkgo.live/rebalance'] === undefined);
  });

  test('S3.06 scale in: a drained node (ginkgo.live/draining) hands its portfolio over; then it stops (SIGTERM)', async () => {
    const [onS2] = byNode(await all())[s2]!;
    const before = (await c.get(onS2!))!;
    await c.clients.coordination.patchNamespacedLease(
      {
        name: `node-${s2}`,
        namespace: c.namespace,
        body: { metadata: { annotations: { 'ginkgo.live/draining': 'true' } } },
      },
      mergePatch(),
    );
    const moved = await c.running(onS2!, s1, 45000);
    expect(moved.status?.epoch).toBe(before.status!.epoch! + 1);
    expect(condition(moved, 'Assigned')?.reason).toBe('Drained');
    expect(position(moved, codes[names.indexOf(onS2!)]!)).toBe(100); // nothing lost
    // The drained node is empty and leaves; everything runs on s1.
    expect(await c.node('s2').stop()).toBe(0);
    const ps = await all();
    expect(byNode(ps)).toEqual({ [s1]: expect.arrayContaining(ps.map((p) => p.metadata.name)) });
    expect(settled(ps)).toBe(true);
  });
});
