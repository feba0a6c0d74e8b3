import { DependencyTimeoutError } from '@ginkgo/platform';
import { type TcpProxy } from '@ginkgo/platform/testing';
import { createNamespace, dropNamespace, freePort, kube, startNode, suffix, waitFor } from './helpers.js';
import { proxyFor } from './resilience-helpers.js';

const status = (port: number, path: string) =>
  fetch(`http://127.0.0.1:${port}${path}`).then(
    (r) => r.status,
    () => 0,
  );

/**
 * Start with a dependency not ready: the node reaches MySQL through a TCP proxy that is cut (connections
 * reset) when the node starts; Kafka, Redis and the API server are the real test-bed servers.
 */
describe('node-runtime start while a dependency is not ready', () => {
  const clients = kube();
  const s = suffix();
  const namespace = `node-start-${s}`;
  let mysql: { proxy: TcpProxy; url: string };

  beforeAll(async () => {
    await createNamespace(clients, namespace);
    mysql = await proxyFor('MYSQL_URL');
  }, 60000);

  afterAll(async () => {
    await mysql?.proxy.close();
    await dropNamespace(clients, namespace);
  }, 60000);

  /** Starts a node reaching MySQL through the proxy, its health server on a port of its own. */
  const startBehindProxy = async (nodeId: string, dependencyTimeoutMs: number) => {
    const port = await freePort();
    const env = { MYSQL_URL: mysql.url, HEALTH_PORT: String(port), DEPENDENCY_TIMEOUT_MS: String(dependencyTimeoutMs) };
    return { port, node: startNode(namespace, nodeId, env) };
  };

  test('S7.09 MySQL not ready at start: the node waits (live, not ready), starts once it answers; at the timeout the error names MySQL', async () => {
    mysql.proxy.cut();
    const { port, node: starting } = await startBehindProxy(`ns-${s}-a`, 60000);
    let started = false;
    void starting.then(
      () => (started = true),
      () => undefined,
    );
    // Waiting: the health server answers, live (also as /healthz) but not ready, and the start has not finished.
    await waitFor('health server up while waiting', async () =>
      (await status(port, '/livez')) === 200 ? true : undefined,
    );
    await waitFor('MySQL refused at least twice', () => (mysql.proxy.refused >= 2 ? true : undefined));
    expect(await status(port, '/healthz')).toBe(200);
    expect(await status(port, '/readyz')).toBe(503);
    expect(started).toBe(false);

    mysql.proxy.restore();
    const node = await starting;
    try {
      await waitFor('ready once MySQL answers', async () =>
        (await status(port, '/readyz')) === 200 ? true : undefined,
      );
    } finally {
      await node.stop();
    }

    // Still down at the timeout: a clear error naming the dependency (and its address); nothing left listening.
    mysql.proxy.cut();
    const { port: port2, node: failed } = await startBehindProxy(`ns-${s}-b`, 1500);
    await expect(failed).rejects.toBeInstanceOf(DependencyTimeoutError);
    await expect(failed).rejects.toThrow(
      new RegExp(`dependencies not ready after \\d+ ms: MySQL \\(127\\.0\\.0\\.1:${mysql.proxy.port}\\)`),
    );
    const err = (await failed.catch((e: unknown) => e)) as DependencyTimeoutError;
    expect(err.missing.map((m) => m.name)).toEqual([`MySQL (127.0.0.1:${mysql.proxy.port})`]);
    expect(await status(port2, '/livez')).toBe(0);
  });
});
