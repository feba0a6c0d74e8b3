import { Watch } from '@kubernetes/client-node';
import { createKubeClients, LeaseLock } from '../src/index.js';
import { requireEnv, uniqueSuffix } from './testbed-env.js';

const GROUP = 'smoke.ginkgo.live';

describe('kube-apiserver (real, etcd-backed)', () => {
  const clients = createKubeClients(requireEnv('KUBECONFIG'));

  test('install a CRD, create a custom resource, see it through a watch', async () => {
    const plural = `widgets${uniqueSuffix()}`;
    const name = `${plural}.${GROUP}`;
    await clients.apiextensions.createCustomResourceDefinition({
      body: {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name },
        spec: {
          group: GROUP,
          scope: 'Namespaced',
          names: { plural, singular: plural.slice(0, -1), kind: `W${plural}`, listKind: `W${plural}List` },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
                },
              },
            },
          ],
        },
      },
    });
    try {
      // The CRD becomes servable shortly after creation.
      for (let i = 0; i < 100; i++) {
        const crd = await clients.apiextensions.readCustomResourceDefinition({ name });
        if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      // A new resource's storage may answer 429, or be replaced (closing watches) while the CRD
      // settles: re-watch on close, as informers do.
      let resolveSeen!: (o: Record<string, unknown>) => void;
      const seen = new Promise<Record<string, unknown>>((r) => (resolveSeen = r));
      let found = false;
      let ctl: AbortController | undefined;
      const startWatch = async (): Promise<void> => {
        if (found) return;
        try {
          ctl = await new Watch(clients.config).watch(
            `/apis/${GROUP}/v1/namespaces/default/${plural}`,
            {},
            (type, obj) => {
              if (type === 'ADDED') {
                found = true;
                resolveSeen(obj as Record<string, unknown>);
              }
            },
            () => void setTimeout(() => void startWatch(), 100),
          );
        } catch {
          setTimeout(() => void startWatch(), 200);
        }
      };
      await startWatch();
      void seen.finally(() => ctl?.abort());
      await clients.custom.createNamespacedCustomObject({
        group: GROUP,
        version: 'v1',
        namespace: 'default',
        plural,
        body: { apiVersion: `${GROUP}/v1`, kind: `W${plural}`, metadata: { name: 'one' }, spec: { size: 3 } },
      });
      const obj = await seen;
      expect((obj.spec as { size: number }).size).toBe(3);
    } finally {
      await clients.apiextensions.deleteCustomResourceDefinition({ name }).catch(() => undefined);
    }
  });

  test('create and renew a coordination.k8s.io Lease; a second holder is refused', async () => {
    const name = `smoke-${uniqueSuffix()}`;
    const a = new LeaseLock({ clients, namespace: 'default', name, identity: 'a', durationSeconds: 15 });
    const b = new LeaseLock({ clients, namespace: 'default', name, identity: 'b', durationSeconds: 15 });
    expect(await a.tryAcquireOrRenew()).toBe(true);
    const first = await clients.coordination.readNamespacedLease({ name, namespace: 'default' });
    await new Promise((r) => setTimeout(r, 20));
    expect(await a.tryAcquireOrRenew()).toBe(true);
    const renewed = await clients.coordination.readNamespacedLease({ name, namespace: 'default' });
    expect(new Date(renewed.spec!.renewTime!).getTime()).toBeGreaterThan(new Date(first.spec!.renewTime!).getTime());
    expect(await b.tryAcquireOrRenew()).toBe(false);
    await a.release();
    expect(await b.tryAcquireOrRenew()).toBe(true);
    expect(b.transitions).toBe(1);
    await clients.coordination.deleteNamespacedLease({ name, namespace: 'default' });
  });
});
