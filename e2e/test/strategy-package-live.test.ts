import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { ComponentAdvert, nodeLease, type OrderMessage, type SubmitOrder } from '@ginkgo/contracts';
import { E2eCluster, condition } from '../../operator/test/e2e-harness.js';
import { kubectl } from './support/command.js';
import { uniqueCodes } from './support/isolation.js';

/**
 * The example strategy package (examples/strategy-package, `@acme/strategies`), written outside the platform
 * against the SDK, loaded by a real node (STRATEGY_PACKAGES) and placed by the real operator: the node
 * advertises it, the operator refuses what no node can run and params that fail the advertised schema, and a
 * Portfolio applied with kubectl trades live.
 */
const VWAP = '@acme/strategies/vwap-reversion';

describe('a strategy package on a real node, placed by the real operator', () => {
  const c = new E2eCluster('plugin', 15);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ginkgo-plugin-'));
  let nodeId: string;
  beforeAll(async () => {
    await c.start({ livecore: true });
    nodeId = await c.startNode('s1', { STRATEGY_PACKAGES: '@acme/strategies' });
  }, 180_000);
  afterAll(() => c.stop(), 60_000);

  /** `kubectl apply -f` of the manifest a trader writes. */
  const apply = (name: string, spec: Record<string, unknown>) => {
    const file = path.join(dir, `${name}.yaml`);
    const doc = {
      apiVersion: 'ginkgo.live/v1alpha1',
      kind: 'Portfolio',
      metadata: { name, namespace: c.namespace },
      spec,
    };
    writeFileSync(file, stringify(doc));
    const r = kubectl(['apply', '-f', file]);
    expect({ code: r.code, out: r.out }).toEqual({ code: 0, out: expect.stringContaining('created') });
  };
  const describePf = (name: string) => kubectl(['describe', 'portfolio', name, '-n', c.namespace]).out;

  test('the node advertises the package components with their version and params schema', async () => {
    const lease = await c.clients.coordination.readNamespacedLease({
      name: `${nodeLease.namePrefix}${nodeId}`,
      namespace: c.namespace,
    });
    const adverts = ComponentAdvert.array().parse(
      JSON.parse(lease.metadata?.annotations?.[nodeLease.componentsAnnotation] ?? '[]'),
    );
    expect(adverts.find((a) => a.name === VWAP)).toMatchObject({
      kind: 'strategy',
      version: '1.0.0',
      params: expect.objectContaining({ required: ['entryBps'] }),
    });
    expect(adverts.find((a) => a.name === 'ma-cross')).toMatchObject({ kind: 'strategy' });
  });

  test('a component no node has: Pending with ComponentsAvailable=False naming it; kubectl describe says why', async () => {
    const name = `missing-${c.suffix}`;
    apply(name, {
      market: 'cn',
      initialCash: '100000.00',
      strategy: { name: '@acme/strategies/not-there', params: {} },
      interestedCodes: uniqueCodes(1),
    });
    const p = await c.until(
      'ComponentsAvailable=False',
      name,
      (x) => condition(x, 'ComponentsAvailable')?.status === 'False',
    );
    expect(p.status?.phase).toBe('Pending');
    expect(p.status?.assignedNode).toBeUndefined();
    expect(condition(p, 'ComponentsAvailable')).toMatchObject({
      reason: 'MissingComponents',
      message: expect.stringContaining('strategy:@acme/strategies/not-there'),
    });
    expect(describePf(name)).toContain('strategy:@acme/strategies/not-there');
  });

  test('params that fail the advertised schema are refused before placement, naming the field; fixed, it runs', async () => {
    const name = `badparams-${c.suffix}`;
    const codes = uniqueCodes(1);
    apply(name, {
      market: 'cn',
      initialCash: '100000.00',
      strategy: { name: VWAP, params: { entryBps: 'wide', trend: 5 } },
      interestedCodes: codes,
    });
    const p = await c.until('Accepted=False', name, (x) => condition(x, 'Accepted')?.status === 'False');
    expect(p.status?.phase).toBe('Failed');
    expect(p.status?.assignedNode).toBeUndefined();
    expect(condition(p, 'Accepted')).toMatchObject({
      reason: 'InvalidParams',
      message: 'spec.strategy.params.entryBps: Invalid input: expected number, received string',
    });
    expect(describePf(name)).toContain('spec.strategy.params.entryBps');
    await c.patch(name, { spec: { strategy: { name: VWAP, params: { entryBps: 10, trend: 5 } } } });
    const running = await c.running(name);
    expect(running.status?.assignedNode).toBe(nodeId);
    expect(condition(running, 'Accepted')).toMatchObject({ status: 'True' });
  });

  test('a Portfolio of the package applied with kubectl trades live on its signal', async () => {
    const name = `vwap-${c.suffix}`;
    const [code] = uniqueCodes(1) as [string];
    apply(name, {
      market: 'cn',
      initialCash: '1000000.00',
      strategy: { name: VWAP, params: { entryBps: 10, trend: 2 } },
      sizer: { name: 'fixed-value', params: { value: 100000 } },
      interestedCodes: [code],
    });
    await c.running(name);
    const w = await c.watchOrders([name]);
    try {
      // Equal volumes: the VWAP is the mean price. 10.90 then 9.20: no signal (below its SMA). 10.00: under the
      // VWAP (10.03) by more than 10 bps and above the 2-tick SMA (9.60): a limit buy at 10.00 for 100,000.00.
      await c.tick(code, 1090, 1000);
      await c.tick(code, 920, 1000);
      await c.tick(code, 1000, 1000);
      const p = await c.until('the bought position', name, (x) =>
        (x.status?.positions ?? []).some((q) => q.code === code && q.volume === 10000),
      );
      expect(p.status?.positions?.map((q) => [q.code, q.volume])).toEqual([[code, 10000]]);
      const submits = w.orders.filter((o: OrderMessage): o is SubmitOrder => o.type === 'submit');
      expect(submits.map((o) => [o.code, o.side, o.orderType, o.volume, o.price])).toEqual([
        [code, 'BUY', 'LIMIT', 10000, 1000],
      ]);
    } finally {
      await w.close();
    }
  });
});
