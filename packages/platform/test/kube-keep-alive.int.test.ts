import tls from 'node:tls';
import { createKubeClients, withKeepAlive } from '../src/index.js';
import { requireEnv, uniqueSuffix } from './testbed-env.js';

test('keep-alive kube clients under load: no answer reported as "Premature close", sockets reused', async () => {
  // Many requests queued behind a few sockets: each freed socket goes straight to the next request, which is
  // when node-fetch used to see the next request's listener and call a finished chunked answer premature.
  const clients = withKeepAlive(createKubeClients(requireEnv('KUBECONFIG')), 4);
  const namespace = `keepalive-${uniqueSuffix()}`;
  await clients.core.createNamespace({ body: { metadata: { name: namespace } } });
  try {
    // Answers large enough to come back chunked.
    for (let i = 0; i < 8; i++) {
      await clients.core.createNamespacedConfigMap({
        namespace,
        body: { metadata: { name: `cm${i}` }, data: { x: 'y'.repeat(3000) } },
      });
    }
    let connections = 0;
    const connect = tls.connect;
    const counting = ((...args: Parameters<typeof tls.connect>) => {
      connections++;
      return connect(...args);
    }) as typeof tls.connect;
    tls.connect = counting;
    const failures: string[] = [];
    let ok = 0;
    let next = 0;
    const total = 400;
    try {
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (next < total) {
            const i = next++;
            try {
              if (i % 2) await clients.core.listNamespacedConfigMap({ namespace });
              else await clients.core.readNamespacedConfigMap({ namespace, name: 'cm1' });
              ok++;
            } catch (err) {
              failures.push(String(err));
            }
          }
        }),
      );
    } finally {
      tls.connect = connect;
    }
    expect(failures.slice(0, 3)).toEqual([]);
    expect(ok).toBe(total);
    expect(connections).toBeLessThanOrEqual(4);
  } finally {
    await clients.core.deleteNamespace({ name: namespace });
  }
});
