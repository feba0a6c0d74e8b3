import type { OrderMessage, PortfolioResource, SubmitOrder } from '@ginkgo/contracts';
import { E2eCluster, eventually, withLivecoreAndNodes } from '../../operator/test/e2e-harness.js';
import { uniqueCodes } from './support/isolation.js';
import { buyAndHoldSpec } from '@ginkgo/platform/testing';

/** A rolling upgrade of node-runtime (StatefulSet style: same node ids come back) with the real processes. */
describe('e2e: rolling upgrade of node-runtime', () => {
  const c = new E2eCluster('upgrade', 4);
  const [n1, n2] = withLivecoreAndNodes(c, ['u1', 'u2']) as [string, string];

  test('S8.05 each node is replaced in turn while ticks flow: every tick traded once, nothing lost or doubled', async () => {
    const names = [1, 2, 3, 4].map((i) => `up${i}-${c.suffix}`);
    const codes = uniqueCodes(names.length * 5);
    const codesOf = (i: number) => codes.slice(i * 5, i * 5 + 5);
    for (const [i, name] of names.entries()) {
      await c.apply(name, buyAndHoldSpec(codesOf(i), '200000.00'));
    }
    const initial = new Map<string, PortfolioResource>();
    for (const name of names) initial.set(name, await c.running(name));
    const w = await c.watchOrders(names);
    // One tick per code over the whole upgrade, interleaved with the restarts below.
    const pending = [...codes];
    const sendSome = async (n: number) => {
      for (const code of pending.splice(0, n)) await c.tick(code, 1000);
    };
    try {
      await sendSome(4);
      for (const short of ['u1', 'u2']) {
        const old = c.node(short);
        const oldId = c.nodeId(short);
        const other = oldId === n1 ? n2 : n1;
        const onOld: string[] = [];
        for (const name of names) if ((await c.get(name))?.status?.assignedNode === oldId) onOld.push(name);
        const stopping = old.stop(30000); // SIGTERM: drain, persist, release the Lease
        await sendSome(4);
        expect(await stopping).toBe(0);
        // Every portfolio of the stopped node really moved: running on the other one under a new epoch.
        for (const name of onOld) {
          const moved = await c.running(name, other, 60000);
          expect(moved.status!.epoch!).toBeGreaterThan(initial.get(name)!.status!.epoch!);
        }
        await sendSome(2);
        await c.startNode(short); // the upgraded pod comes back under the same identity
        await sendSome(2);
      }
      await sendSome(pending.length);
      const submits = () => w.orders.filter((o: OrderMessage): o is SubmitOrder => o.type === 'submit');
      await eventually(
        'an order per code',
        async () => (submits().length >= codes.length ? true : undefined),
        90000,
      ).catch((err: unknown) => {
        const traded = new Set(submits().map((o) => o.code));
        throw new Error(
          `${String(err)}; untraded ticks (in send order): ${codes
            .filter((x) => !traded.has(x))
            .map((x) => codes.indexOf(x))
            .join(', ')}`,
        );
      });
      const byPortfolio = new Map<string, string[]>();
      for (const o of submits()) byPortfolio.set(o.portfolioId, [...(byPortfolio.get(o.portfolioId) ?? []), o.code]);
      for (const [i, name] of names.entries()) expect((byPortfolio.get(name) ?? []).sort()).toEqual(codesOf(i).sort());
      expect(new Set(submits().map((o) => o.clientOrderId)).size).toBe(codes.length);
      // Every portfolio ends Running on a live node with all five positions filled.
      for (const [i, name] of names.entries()) {
        const p: PortfolioResource = await c.until(
          `${name} settled`,
          name,
          (x) =>
            x.status?.phase === 'Running' &&
            [n1, n2].includes(x.status.assignedNode ?? '') &&
            codesOf(i).every((code) => x.status?.positions?.some((pos) => pos.code === code && pos.volume === 100)),
          60000,
        );
        expect(p.status?.runningEpoch).toBe(p.status?.epoch);
        // Both nodes were replaced: every portfolio moved at least once, and no move fell back on the timeout.
        expect(p.status!.epoch!).toBeGreaterThan(initial.get(name)!.status!.epoch!);
        expect(await c.eventReasons(name)).not.toContain('HandoverTimedOut');
      }
    } finally {
      await w.close();
    }
  }, 300000);
});
