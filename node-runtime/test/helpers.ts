import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  portfolioResource,
  topics,
  type OrderEvent,
  type PortfolioSpecInput,
  type PortfolioStatus,
  type PriceUpdate,
} from '@ginkgo/contracts';
import {
  KafkaMessageBus,
  MySqlDatabase,
  createKubeClients,
  createLogger,
  type KubeClients,
  type MessageConsumer,
} from '@ginkgo/platform';
import {
  createNamespace as createKubeNamespace,
  createPortfolio as createSharedPortfolio,
  patchPortfolio,
  uniqueSuffix,
} from '@ginkgo/platform/testing';
import { loadNodeRuntimeConfig, startNodeRuntime, type ExecutionNode, type PortfolioWorker } from '../src/index.js';

export { dropNamespace, getPortfolio, mergePatch, waitFor } from '@ginkgo/platform/testing';

export const suffix = uniqueSuffix;
export const quiet = () => createLogger('node-test').child({}, { level: process.env.LOG_LEVEL ?? 'error' });

export function env(name: 'KAFKA_BROKERS' | 'MYSQL_URL' | 'REDIS_URL' | 'KUBECONFIG'): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run \`make testbed-up\``);
  return v;
}

export const kube = (): KubeClients => createKubeClients(env('KUBECONFIG'));

/** A TCP port free on 127.0.0.1 right now (for a server the test starts next). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The gateway's answers to one cn order, numbered 1.. in the order given (eventId `<clientOrderId>:<seq>`);
 * a fill's volume and price come with each PARTIALLY_FILLED / FILLED step.
 */
export function gatewayAnswers(
  order: { portfolioId: string; clientOrderId: string },
  brokerOrderId: string,
  ts: number,
  steps: ({ event: 'ACCEPTED' } | { event: 'PARTIALLY_FILLED' | 'FILLED'; fillId: string; fillVolume: number })[],
  fillPrice = 1000,
): OrderEvent[] {
  return steps.map((step, i) => ({
    type: 'order',
    market: 'cn',
    portfolioId: order.portfolioId,
    clientOrderId: order.clientOrderId,
    brokerOrderId,
    eventId: `${order.clientOrderId}:${i + 1}`,
    seq: i + 1,
    ts,
    ...step,
    ...(step.event === 'ACCEPTED' ? {} : { fillPrice }),
  }));
}

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
  return {
    type: 'price',
    eventId: id,
    ts: shanghaiTs('2026-11-24', '10:00', seconds),
    seq,
    market: 'cn',
    code,
    kind: 'tick',
    price,
    volume: 1000,
    prevClose: 1000,
  };
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
  execFileSync(
    kubectl,
    [...kubeconfig, 'wait', '--for=condition=Established', '--timeout=60s', 'crd/portfolios.ginkgo.live'],
    { stdio: 'pipe' },
  );
  crdInstalled = true;
}

export async function createNamespace(clients: KubeClients, name: string): Promise<void> {
  ensurePortfolioCrd();
  await createKubeNamespace(clients, name);
}

export async function createPortfolio(
  clients: KubeClients,
  namespace: string,
  name: string,
  spec: PortfolioSpecInput,
  finalizer = true,
) {
  await createSharedPortfolio(clients, namespace, name, spec, finalizer ? [portfolioResource.finalizer] : undefined);
}

/** Plays the operator: writes operator-owned status fields (merge patch). */
export async function operatorStatus(clients: KubeClients, namespace: string, name: string, status: PortfolioStatus) {
  await patchPortfolio(clients, namespace, name, { status }, true);
}

export async function patchSpec(
  clients: KubeClients,
  namespace: string,
  name: string,
  spec: Partial<PortfolioSpecInput>,
) {
  await patchPortfolio(clients, namespace, name, { spec });
}

export const operatorCondition = (type: string, status: 'True' | 'False', reason: string) => ({
  type,
  status,
  reason,
  message: reason,
  lastTransitionTime: new Date().toISOString(),
});

/** The conditions the operator keeps on a valid, assigned Portfolio, followed by `extra`. */
export const assignedConditions = (...extra: ReturnType<typeof operatorCondition>[]) => [
  operatorCondition('Accepted', 'True', 'Valid'),
  operatorCondition('Assigned', 'True', 'Assigned'),
  ...extra,
];

export async function startNode(namespace: string, nodeId: string, extra: Record<string, string> = {}) {
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
    // The node's own thread: these tests read the workers' engines directly. The e2e tests run node
    // processes with worker threads (the default on this machine's cores).
    NODE_WORKER_THREADS: '0',
    ...extra,
  });
  const started = await startNodeRuntime(config);
  return { ...started, node: started.node as unknown as ExecutionNode<PortfolioWorker> };
}

/** Collects JSON messages of a topic (from now on) for assertions. */
export async function collect<T>(
  bus: KafkaMessageBus,
  topic: string,
  keep: (v: T) => boolean,
): Promise<{ items: T[]; consumer: MessageConsumer }> {
  const items: T[] = [];
  const consumer = await bus.consumer({ groupId: `node-test-${suffix()}`, topics: [topic] });
  await consumer.run(async (m) => {
    // Shared topics also carry the malformed values of the fuzz tests: a value that is not a JSON object is skipped.
    let v: unknown;
    try {
      v = JSON.parse(m.value ?? 'null');
    } catch {
      return;
    }
    if (typeof v === 'object' && v !== null && keep(v as T)) items.push(v as T);
  });
  await consumer.joined();
  return { items, consumer };
}

export const testBus = (clientId: string) =>
  new KafkaMessageBus({ brokers: env('KAFKA_BROKERS').split(','), clientId, logger: quiet() });
export const testDb = () => new MySqlDatabase(env('MYSQL_URL'));
export { topics };
