import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { portfolioResource, topics, type PortfolioResource, type PortfolioSpecInput, type PortfolioStatus, type PriceUpdate } from '@ginkgo/contracts';
import { KafkaMessageBus, MySqlDatabase, createKubeClients, createLogger, isNotFound, type KubeClients, type MessageConsumer } from '@ginkgo/platform';
import { loadNodeRuntimeConfig, startNodeRuntime } from '../src/index.js';

const { group, version, plural, apiVersion, kind } = portfolioResource;
export const mergePatch = () => setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
export const suffix = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
export const quiet = () => createLogger('node-test').child({}, { level: process.env.LOG_LEVEL ?? 'error' });

export function env(name: 'KAFKA_BROKERS' | 'MYSQL_URL' | 'REDIS_URL' | 'KUBECONFIG'): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run \`make testbed-up\``);
  return v;
}

export const kube = (): KubeClients => createKubeClients(env('KUBECONFIG'));

/** Random main-board codes so no other test's ticks reach our portfolios. */
export function uniqueCodes(n: number): string[] {
  const codes = new Set<string>();
  while (codes.size < n) codes.add(`60${String(Math.floor(Math.random() * 10000)).padStart(4, '0')}.SH`);
  return [...codes];
}

/** Epoch ms of a Shanghai wall-clock time (UTC+8). */
export function shanghaiTs(day: string, hhmm: string, seconds = 0): number {
  const [y, mo, d] = day.split('-').map(Number) as [number, number, number];
  const [h, mi] = hhmm.split(':').map(Number) as [number, number];
  return Date.UTC(y, mo - 1, d, h - 8, mi, seconds);
}

export function tick(id: string, code: string, price: number, seconds = 0, seq = 1): PriceUpdate {
  return { type: 'price', eventId: id, ts: shanghaiTs('2026-11-24', '10:00', seconds), seq, market: 'cn', code, kind: 'tick', price, volume: 1000, prevClose: 1000 };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 45000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

let crdInstalled = false;
/**
 * The Portfolio CRD is a precondition of the cluster (the chart installs it); on a brand-new API server no
 * other suite may have installed it yet, so the node's tests apply it as a user would, once per test file.
 */
function ensurePortfolioCrd(): void {
  if (crdInstalled) return;
  const kubectl = process.env.KUBECTL ?? 'kubectl';
  const file = fileURLToPath(new URL('../../crds/portfolios.ginkgo.live.yaml', import.meta.url));
  const kubeconfig = ['--kubeconfig', env('KUBECONFIG')];
  execFileSync(kubectl, [...kubeconfig, 'apply', '--server-side', '--force-conflicts', '-f', file], { stdio: 'pipe' });
  execFileSync(kubectl, [...kubeconfig, 'wait', '--for=condition=Established', '--timeout=60s', 'crd/portfolios.ginkgo.live'], { stdio: 'pipe' });
  crdInstalled = true;
}

export async function createNamespace(clients: KubeClients, name: string): Promise<void> {
  ensurePortfolioCrd();
  await clients.core.createNamespace({ body: { metadata: { name } } });
}

/** Removes finalizers and the namespace (the test bed has no namespace controller: objects go one by one). */
export async function dropNamespace(clients: KubeClients, namespace: string): Promise<void> {
  try {
    const list = (await clients.custom.listNamespacedCustomObject({ group, version, namespace, plural })) as { items: PortfolioResource[] };
    for (const p of list.items) {
      await clients.custom
        .patchNamespacedCustomObject({ group, version, namespace, plural, name: p.metadata.name, body: { metadata: { finalizers: null } } }, mergePatch())
        .catch(() => undefined);
      await clients.custom.deleteNamespacedCustomObject({ group, version, namespace, plural, name: p.metadata.name }).catch(() => undefined);
    }
    const leases = await clients.coordination.listNamespacedLease({ namespace });
    for (const l of leases.items) await clients.coordination.deleteNamespacedLease({ name: l.metadata!.name!, namespace }).catch(() => undefined);
  } catch {
    // already gone
  }
  await clients.core.deleteNamespace({ name: namespace }).catch(() => undefined);
}

export async function createPortfolio(clients: KubeClients, namespace: string, name: string, spec: PortfolioSpecInput, finalizer = true) {
  await clients.custom.createNamespacedCustomObject({
    group,
    version,
    namespace,
    plural,
    body: { apiVersion, kind, metadata: { name, ...(finalizer ? { finalizers: [portfolioResource.finalizer] } : {}) }, spec },
  });
}

export async function getPortfolio(clients: KubeClients, namespace: string, name: string): Promise<PortfolioResource | undefined> {
  try {
    return (await clients.custom.getNamespacedCustomObject({ group, version, namespace, plural, name })) as PortfolioResource;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Plays the operator: writes operator-owned status fields (merge patch). */
export async function operatorStatus(clients: KubeClients, namespace: string, name: string, status: PortfolioStatus) {
  await clients.custom.patchNamespacedCustomObjectStatus({ group, version, namespace, plural, name, body: { status } }, mergePatch());
}

export async function patchSpec(clients: KubeClients, namespace: string, name: string, spec: Partial<PortfolioSpecInput>) {
  await clients.custom.patchNamespacedCustomObject({ group, version, namespace, plural, name, body: { spec } }, mergePatch());
}

export const operatorCondition = (type: string, status: 'True' | 'False', reason: string) => ({
  type,
  status,
  reason,
  message: reason,
  lastTransitionTime: new Date().toISOString(),
});

export function startNode(namespace: string, nodeId: string, extra: Record<string, string> = {}) {
  const config = loadNodeRuntimeConfig({
    KAFKA_BROKERS: env('KAFKA_BROKERS'),
    MYSQL_URL: env('MYSQL_URL'),
    REDIS_URL: env('REDIS_URL'),
    KUBECONFIG: env('KUBECONFIG'),
    WATCH_NAMESPACE: namespace,
    NODE_ID: nodeId,
    HEALTH_PORT: '0',
    NODE_LEASE_SECONDS: '6',
    STATUS_INTERVAL_MS: '100',
    METRICS_INTERVAL_MS: '1000',
    REFERENCE_CLOCK: 'source',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
    ...extra,
  });
  return startNodeRuntime(config);
}

/** Collects JSON messages of a topic (from now on) for assertions. */
export async function collect<T>(bus: KafkaMessageBus, topic: string, keep: (v: T) => boolean): Promise<{ items: T[]; consumer: MessageConsumer }> {
  const items: T[] = [];
  const consumer = await bus.consumer({ groupId: `node-test-${suffix()}`, topics: [topic] });
  await consumer.run(async (m) => {
    const v = JSON.parse(m.value ?? 'null') as T;
    if (keep(v)) items.push(v);
  });
  await consumer.joined();
  return { items, consumer };
}

export const testBus = (clientId: string) => new KafkaMessageBus({ brokers: env('KAFKA_BROKERS').split(','), clientId, logger: quiet() });
export const testDb = () => new MySqlDatabase(env('MYSQL_URL'));
export { topics };
