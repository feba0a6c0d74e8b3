import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { nodeLease, portfolioResource, type PortfolioResource, type PortfolioSpecInput } from '@ginkgo/contracts';
import { LeaseLock, createKubeClients, createLogger, isNotFound, type KubeClients } from '@ginkgo/platform';
import { installCrd, startOperator, type OperatorConfig, type OperatorHandle } from '../src/index.js';

export const mergePatch = () => setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const { group, version, plural } = portfolioResource;

export function kubeClients(): KubeClients {
  const path = process.env.KUBECONFIG;
  if (!path) throw new Error('KUBECONFIG is not set: run `make testbed-up`');
  return createKubeClients(path);
}

export const uniqueSuffix = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

export const quietLogger = () => createLogger('operator-test').child({}, { level: process.env.LOG_LEVEL ?? 'error' });

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 40000,
): Promise<T> {
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
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A namespace of its own per test file, with the Portfolio CRD installed from the generator. */
export async function setupNamespace(clients: KubeClients, prefix: string): Promise<string> {
  await installCrd(clients, quietLogger());
  const namespace = `${prefix}-${uniqueSuffix()}`;
  await clients.core.createNamespace({ body: { metadata: { name: namespace } } });
  return namespace;
}

export async function teardownNamespace(clients: KubeClients, namespace: string): Promise<void> {
  try {
    const list = (await clients.custom.listNamespacedCustomObject({ group, version, namespace, plural })) as {
      items: PortfolioResource[];
    };
    for (const p of list.items) {
      await clients.custom
        .patchNamespacedCustomObject(
          { group, version, namespace, plural, name: p.metadata.name, body: { metadata: { finalizers: null } } },
          mergePatch(),
        )
        .catch(() => undefined);
    }
  } catch {
    // namespace may be gone already
  }
  await purgeNamespace(clients, namespace);
}

export function portfolioBody(name: string, spec: Partial<PortfolioSpecInput> & Record<string, unknown> = {}) {
  return {
    apiVersion: portfolioResource.apiVersion,
    kind: portfolioResource.kind,
    metadata: { name },
    spec: {
      market: 'cn',
      initialCash: '1000000.00',
      strategy: { name: 'ma-cross', params: { fast: 5, slow: 20 } },
      interestedCodes: ['600000.SH'],
      ...spec,
    },
  };
}

export async function createPortfolio(
  clients: KubeClients,
  namespace: string,
  name: string,
  spec: Partial<PortfolioSpecInput> & Record<string, unknown> = {},
): Promise<PortfolioResource> {
  return (await clients.custom.createNamespacedCustomObject({
    group,
    version,
    namespace,
    plural,
    body: portfolioBody(name, spec),
  })) as PortfolioResource;
}

export async function getPortfolio(clients: KubeClients, namespace: string, name: string): Promise<PortfolioResource | undefined> {
  try {
    return (await clients.custom.getNamespacedCustomObject({ group, version, namespace, plural, name })) as PortfolioResource;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export async function patchPortfolio(clients: KubeClients, namespace: string, name: string, body: object, status = false) {
  const args = { group, version, namespace, plural, name, body };
  return (status
    ? await clients.custom.patchNamespacedCustomObjectStatus(args, mergePatch())
    : await clients.custom.patchNamespacedCustomObject(args, mergePatch())) as PortfolioResource;
}

/** A simulated execution node: holds `node-<id>` like node-runtime does; `crash()` stops renewing. */
export class FakeNode {
  readonly lock: LeaseLock;
  private timer?: NodeJS.Timeout;
  constructor(
    private readonly clients: KubeClients,
    private readonly namespace: string,
    readonly id: string,
    private readonly durationSeconds = 2,
  ) {
    this.lock = new LeaseLock({
      clients,
      namespace,
      name: `${nodeLease.namePrefix}${id}`,
      identity: id,
      durationSeconds,
      labels: { [nodeLease.labelRole]: nodeLease.roleValue },
    });
  }

  async start(annotations: Record<string, string> = {}): Promise<this> {
    if (!(await this.lock.tryAcquireOrRenew())) throw new Error(`node ${this.id} could not take its lease`);
    if (Object.keys(annotations).length) await this.annotate(annotations);
    this.timer = setInterval(() => void this.lock.tryAcquireOrRenew().catch(() => undefined), (this.durationSeconds * 1000) / 4);
    return this;
  }

  async annotate(annotations: Record<string, string | null>): Promise<void> {
    await this.clients.coordination.patchNamespacedLease(
      { name: `${nodeLease.namePrefix}${this.id}`, namespace: this.namespace, body: { metadata: { annotations } } },
      mergePatch(),
    );
  }

  /** SIGKILL-like: stop renewing, the Lease expires on its own. */
  crash(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  async stop(): Promise<void> {
    this.crash();
    await this.lock.release().catch(() => undefined);
  }
}

export function testConfig(namespace: string, overrides: Partial<OperatorConfig> = {}): OperatorConfig {
  return {
    namespace,
    operatorId: `op-${uniqueSuffix()}`,
    healthPort: 0,
    leaderLeaseSeconds: 3,
    nodeLeaseGraceSeconds: 0,
    installCrds: false,
    concurrency: 4,
    overloadQueueDepth: 1000,
    resyncSeconds: 30,
    ...overrides,
  };
}

export async function startTestOperator(namespace: string, overrides: Partial<OperatorConfig> = {}): Promise<OperatorHandle> {
  return startOperator(testConfig(namespace, overrides), { logger: quietLogger(), tickMs: 100, defaultMetrics: false });
}

export const condition = (p: PortfolioResource | undefined, type: string) =>
  p?.status?.conditions?.find((c) => c.type === type);

/**
 * The test bed runs no kube-controller-manager: namespaces are never emptied nor finalized on their own.
 * Delete what our tests create, then finalize the namespace ourselves.
 */
export async function purgeNamespace(clients: KubeClients, namespace: string): Promise<void> {
  const ignore = () => undefined;
  await clients.custom.deleteCollectionNamespacedCustomObject({ group, version, namespace, plural }).catch(ignore);
  await clients.coordination.deleteCollectionNamespacedLease({ namespace }).catch(ignore);
  await clients.core.deleteCollectionNamespacedConfigMap({ namespace }).catch(ignore);
  await clients.core.deleteCollectionNamespacedEvent({ namespace }).catch(ignore);
  await clients.core.deleteNamespace({ name: namespace }).catch(ignore);
  await clients.core
    .replaceNamespaceFinalize({ name: namespace, body: { metadata: { name: namespace }, spec: { finalizers: [] } } })
    .catch(ignore);
}
