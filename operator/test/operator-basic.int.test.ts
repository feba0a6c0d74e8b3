import { deletionHandshake, type PortfolioResource } from '@ginkgo/contracts';
import type { KubeClients } from '@ginkgo/platform';
import { buildPortfolioCrd, installCrd } from '../src/index.js';
import { condition, getPortfolio, patchPortfolio, portfolioBody, quietLogger, waitFor } from './kube-helpers.js';
import { useOperatorFixture } from './operator-fixture.js';

describe('operator against the real kube-apiserver: CRD, admission, assignment, deletion', () => {
  const fx = useOperatorFixture('op-basic', { before: (f) => f.node('n1', 5, { 'ginkgo.live/markets': 'cn' }) });

  test('S4.05 the Portfolio CRD from the generator is installed and Established', async () => {
    await installCrd(fx.clients, quietLogger()); // idempotent: update path
    const crd = (await fx.clients.custom.getClusterCustomObject({
      group: 'apiextensions.k8s.io',
      version: 'v1',
      plural: 'customresourcedefinitions',
      name: 'portfolios.ginkgo.live',
    })) as ReturnType<typeof buildPortfolioCrd> & { status: { conditions: Array<{ type: string; status: string }> } };
    expect(crd.status.conditions.find((c) => c.type === 'Established')?.status).toBe('True');
    expect(crd.spec.names.shortNames).toEqual(['pf']);
    expect(crd.spec.versions[0]!.subresources?.status).toEqual({});
    expect(crd.spec.versions[0]!.additionalPrinterColumns?.map((c) => c.name)).toEqual(
      buildPortfolioCrd().spec.versions[0]!.additionalPrinterColumns?.map((c) => c.name),
    );
  });

  const bad: Array<[string, Record<string, unknown>, string]> = [
    ['market upper case', { market: 'CN' }, 'spec.market'],
    ['market not a string', { market: 5 }, 'spec.market'],
    ['initialCash missing', { initialCash: undefined }, 'spec.initialCash'],
    ['initialCash not a number', { initialCash: 'abc' }, 'spec.initialCash'],
    ['initialCash 3 decimals', { initialCash: '1.234' }, 'spec.initialCash'],
    ['initialCash zero', { initialCash: '0.00' }, 'spec.initialCash'],
    ['initialCash too large', { initialCash: '10000000000000000' }, 'spec.initialCash'],
    ['initialCash a JSON number', { initialCash: 100 }, 'spec.initialCash'],
    ['strategy missing', { strategy: undefined }, 'spec.strategy'],
    ['strategy name missing', { strategy: { params: {} } }, 'spec.strategy.name'],
    ['strategy name not registered-like', { strategy: { name: 'Bad_Name' } }, 'spec.strategy.name'],
    ['strategy params not a map', { strategy: { name: 'ma-cross', params: 'fast=5' } }, 'spec.strategy.params'],
    [
      'strategy params too many',
      {
        strategy: { name: 'ma-cross', params: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, i])) },
      },
      'spec.strategy.params',
    ],
    ['riskManagers not a list', { riskManagers: { name: 'stop-loss' } }, 'spec.riskManagers'],
    [
      'riskManagers too many',
      { riskManagers: Array.from({ length: 17 }, () => ({ name: 'stop-loss' })) },
      'spec.riskManagers',
    ],
    ['risk manager name bad', { riskManagers: [{ name: '9lives' }] }, 'spec.riskManagers[0].name'],
    ['sizer name bad', { sizer: { name: 'Fixed Volume' } }, 'spec.sizer.name'],
    ['interestedCodes missing', { interestedCodes: undefined }, 'spec.interestedCodes'],
    ['interestedCodes empty', { interestedCodes: [] }, 'spec.interestedCodes'],
    ['interestedCodes bad code', { interestedCodes: ['600000'] }, 'spec.interestedCodes[0]'],
    ['interestedCodes duplicate', { interestedCodes: ['600000.SH', '600000.SH'] }, 'spec.interestedCodes[1]'],
    [
      'interestedCodes too many',
      { interestedCodes: Array.from({ length: 2001 }, (_, i) => `${600000 + i}.SH`) },
      'spec.interestedCodes',
    ],
    ['desiredState unknown', { desiredState: 'Paused' }, 'spec.desiredState'],
    ['suspend not a boolean', { suspend: 'yes' }, 'spec.suspend'],
    ['unknown field', { leverage: 3 }, 'leverage'],
    [
      'sizer volume not a whole lot on cn (CEL)',
      { sizer: { name: 'fixed-volume', params: { volume: 150 } } },
      'spec.sizer.params.volume',
    ],
    ['sizer volume zero', { sizer: { name: 'fixed-volume', params: { volume: 0 } } }, 'spec.sizer.params.volume'],
    [
      'sizer volume a string',
      { sizer: { name: 'fixed-volume', params: { volume: '100' } } },
      'spec.sizer.params.volume',
    ],
    ['percent over 100', { sizer: { name: 'percent-equity', params: { percent: 120 } } }, 'spec.sizer.params.percent'],
    [
      'ratio above 1',
      { riskManagers: [{ name: 'position-ratio', params: { maxRatio: 1.5 } }] },
      'spec.riskManagers[0].params.maxRatio',
    ],
    [
      'ratio zero',
      { riskManagers: [{ name: 'stop-loss', params: { lossRatio: 0 } }] },
      'spec.riskManagers[0].params.lossRatio',
    ],
  ];

  test.each(bad)('S2.01 the API server refuses a bad spec naming the field: %s', async (_what, spec, field) => {
    const body = portfolioBody('bad-one', spec);
    let err: { code?: number; body?: unknown } | undefined;
    try {
      await fx.clients.custom.createNamespacedCustomObject({
        group: 'ginkgo.live',
        version: 'v1alpha1',
        namespace: fx.ns,
        plural: 'portfolios',
        body,
        fieldValidation: 'Strict',
      });
    } catch (e) {
      err = e as typeof err;
    }
    expect(err).toBeDefined();
    expect([400, 422]).toContain(err!.code);
    expect(String(err!.body)).toContain(field);
  });

  test('S2.01 lots are a cn rule: volume 150 is fine on another market; other params pass through', async () => {
    await fx.createPortfolio('us-odd-lot', {
      market: 'us',
      interestedCodes: ['AAPL.US'],
      sizer: { name: 'fixed-volume', params: { volume: 150 } },
      riskManagers: [{ name: 'position-ratio', params: { maxRatio: 0.3, mode: 'cut' } }],
    });
    const p = (await fx.getPortfolio('us-odd-lot'))!;
    expect(p.spec.riskManagers[0]!.params).toEqual({ maxRatio: 0.3, mode: 'cut' });
  });

  test('S2.01 market is immutable (CEL transition rule)', async () => {
    await fx.createPortfolio('immutable-market');
    await expect(fx.patchPortfolio('immutable-market', { spec: { market: 'us' } })).rejects.toMatchObject({
      code: 422,
      body: expect.stringContaining('market is immutable'),
    });
  });

  test('S2.01 a good spec is accepted, gets the finalizer and is assigned to the live node with epoch 1', async () => {
    await fx.createPortfolio('good-one');
    const p = await waitFor('assignment', async () => {
      const p = await fx.getPortfolio('good-one');
      return p?.status?.assignedNode ? p : undefined;
    });
    expect(p.status).toMatchObject({ assignedNode: 'n1', epoch: 1, phase: 'Assigned', observedGeneration: 1 });
    expect(condition(p, 'Accepted')).toMatchObject({ status: 'True', observedGeneration: 1 });
    expect(condition(p, 'Assigned')).toMatchObject({ status: 'True', reason: 'Assigned' });
    expect(p.metadata.finalizers).toContain('ginkgo.live/portfolio-cleanup');
    // Defaults from the zod schema were applied by the API server.
    expect(p.spec).toMatchObject({ desiredState: 'Running', sizer: { name: 'fixed-volume', params: { volume: 100 } } });
  });

  test('S2.01 what only zod can check is refused by the operator: condition Accepted=False naming the field', async () => {
    await fx.createPortfolio('zod-refused', { strategy: { name: 'ma-cross', params: { window: [1, 2] } } } as never);
    const p = await waitFor('Accepted=False', async () => {
      const p = await fx.getPortfolio('zod-refused');
      return condition(p, 'Accepted')?.status === 'False' ? p : undefined;
    });
    expect(p.status?.phase).toBe('Failed');
    expect(condition(p, 'Accepted')?.message).toContain('strategy.params.window');
    expect(p.status?.assignedNode).toBeUndefined();
  });

  test('S6.11 kubectl annotate ginkgo.live/cancel-order: validated, recorded in status for the node, acknowledged', async () => {
    const cancel = 'ginkgo.live/cancel-order';
    await fx.createPortfolio('iv');
    await waitFor('assignment', async () => (await fx.getPortfolio('iv'))?.status?.assignedNode);
    await fx.patchPortfolio('iv', {
      metadata: { annotations: { [cancel]: '{"clientOrderId":"iv-3","force":true,"reason":"stuck"}' } },
    });
    const requested = await waitFor('request recorded and annotation consumed', async () => {
      const p = await fx.getPortfolio('iv');
      return p?.status?.cancelRequests?.length && p.metadata.annotations?.[cancel] === undefined ? p : undefined;
    });
    expect(requested.status?.cancelRequests).toEqual([
      { id: 1, clientOrderId: 'iv-3', force: true, reason: 'stuck', requestedAt: expect.any(String) },
    ]);
    expect(condition(requested, 'OrderIntervention')).toMatchObject({ status: 'True', reason: 'Requested' });

    // A bad request is refused with the field named (condition + Warning Event); the pending one stays.
    await fx.patchPortfolio('iv', { metadata: { annotations: { [cancel]: '{"clientOrderId":"other-1"}' } } });
    const refused = await waitFor('refused', async () => {
      const p = await fx.getPortfolio('iv');
      return condition(p, 'OrderIntervention')?.status === 'False' && p?.metadata.annotations?.[cancel] === undefined
        ? p
        : undefined;
    });
    expect(condition(refused, 'OrderIntervention')?.message).toContain('clientOrderId');
    expect(refused.status?.cancelRequests?.map((r) => r.id)).toEqual([1]);
    await waitFor('Warning event', async () =>
      (await fx.clients.core.listNamespacedEvent({ namespace: fx.ns })).items.some(
        (e) => e.involvedObject.name === 'iv' && e.reason === 'InvalidCancelRequest',
      ),
    );

    // Cancel all: the next id.
    await fx.patchPortfolio('iv', { metadata: { annotations: { [cancel]: '{"all":true}' } } });
    await waitFor(
      'second request',
      async () => (await fx.getPortfolio('iv'))?.status?.cancelRequests?.map((r) => r.id).join() === '1,2',
    );

    // The node handles both and acknowledges (node-owned cancelAck): the operator clears the requests.
    await fx.patchPortfolio(
      'iv',
      { status: { cancelAck: { id: 2, at: new Date().toISOString(), message: 'cancel sent for 1 open order' } } },
      true,
    );
    const handled = await waitFor('handled', async () => {
      const p = await fx.getPortfolio('iv');
      return p?.status?.cancelRequests === undefined && condition(p, 'OrderIntervention')?.reason === 'Handled'
        ? p
        : undefined;
    });
    expect(condition(handled, 'OrderIntervention')?.message).toContain('cancel sent for 1 open order');
  });

  test('S2.07 delete is held by the finalizer until the node reports it stopped and archived', async () => {
    await fx.createPortfolio('to-delete');
    await waitFor('assignment', async () => (await fx.getPortfolio('to-delete'))?.status?.assignedNode);
    await fx.clients.custom.deleteNamespacedCustomObject({
      group: 'ginkgo.live',
      version: 'v1alpha1',
      namespace: fx.ns,
      plural: 'portfolios',
      name: 'to-delete',
    });
    // The operator has seen the deletion and reconciled it: the resource is still there.
    await waitFor(
      'operator saw the deletion',
      () => !!fx.op.controller.portfolios.get('to-delete')?.metadata.deletionTimestamp,
    );
    await fx.op.controller.idle();
    const held = await fx.getPortfolio('to-delete');
    expect(held?.metadata.deletionTimestamp).toBeDefined();
    expect(held?.metadata.finalizers).toContain('ginkgo.live/portfolio-cleanup');
    // The node stops it, archives its state and answers with the handshake condition.
    await nodeAcksDeletion(fx.clients, fx.ns, held!);
    await waitFor('gone', async () => (await fx.getPortfolio('to-delete')) === undefined);
  });

  test('S2.07 a portfolio that never ran is released at once', async () => {
    await fx.createPortfolio('never-ran', { market: 'us' }); // no node serves "us"
    await waitFor('Pending', async () => (await fx.getPortfolio('never-ran'))?.status?.phase === 'Pending');
    await fx.clients.custom.deleteNamespacedCustomObject({
      group: 'ginkgo.live',
      version: 'v1alpha1',
      namespace: fx.ns,
      plural: 'portfolios',
      name: 'never-ran',
    });
    await waitFor('gone', async () => (await fx.getPortfolio('never-ran')) === undefined);
  });
});

/** What node-runtime does once it has stopped and archived a deleted portfolio. */
export async function nodeAcksDeletion(clients: KubeClients, ns: string, p: PortfolioResource): Promise<void> {
  for (;;) {
    const cur = (await getPortfolio(clients, ns, p.metadata.name))!;
    const conditions = (cur.status?.conditions ?? []).filter((c) => c.type !== deletionHandshake.conditionType);
    conditions.push({
      type: deletionHandshake.conditionType,
      status: deletionHandshake.status,
      reason: deletionHandshake.reason,
      message: 'stopped and archived',
      lastTransitionTime: new Date().toISOString(),
    });
    try {
      await patchPortfolio(
        clients,
        ns,
        p.metadata.name,
        { metadata: { resourceVersion: cur.metadata.resourceVersion }, status: { phase: 'Stopped', conditions } },
        true,
      );
      return;
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
    }
  }
}
