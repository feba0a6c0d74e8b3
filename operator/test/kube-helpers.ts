import { nodeLease, type PortfolioResource } from '@ginkgo/contracts';
import { LeaseLock, createLogger, type KubeClients } from '@ginkgo/platform';
import {
  createNamespace,
  createPortfolio as createSharedPortfolio,
  dropNamespace,
  mergePatch,
  portfolioObject,
  samplePortfolioSpec,
  testKubeClients,
  uniqueSuffix,
  waitFor as sharedWaitFor,
  type TestPortfolioSpec,
} from '@ginkgo/platform/testing';
import { installCrd, startOperator, type OperatorConfig, type OperatorHandle } from '../src/index.js';

export { getPortfolio, mergePatch, patchPortfolio, purgeNamespace, uniqueSuffix } from '@ginkgo/platform/testing';

export const kubeClients = testKubeClients;

export const quietLogger = () => createLogger('operator-test').child({}, { level: process.env.LOG_LEVEL ?? 'error' });

/** Polls faster and gives up sooner than the shared default: the operator reacts within a tick. */
export const waitFor = <T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 40000,
): Promise<T> => sharedWaitFor(what, probe, timeoutMs, 100);

/** A namespace of its own per test file, with the Portfolio CRD installed from the generator. */
export async function setupNamespace(clients: KubeClients, prefix: string): Promise<string> {
  await installCrd(clients, quietLogger());
  const namespace = `${prefix}-${uniqueSuffix()}`;
  await createNamespace(clients, namespace);
  return namespace;
}

export const teardownNamespace = dropNamespace;

export const portfolioBody = (name: string, spec: TestPortfolioSpec = {}) =>
  portfolioObject(name, { ...samplePortfolioSpec, ...spec });

export const createPortfolio = (clients: KubeClients, namespace: string, name: string, spec: TestPortfolioSpec = {}) =>
  createSharedPortfolio(clients, namespace, name, { ...samplePortfolioSpec, ...spec });

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
    this.timer = setInterval(
      () => void this.lock.tryAcquireOrRenew().catch(() => undefined),
      (this.durationSeconds * 1000) / 4,
    );
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

export async function startTestOperator(
  namespace: string,
  overrides: Partial<OperatorConfig> = {},
): Promise<OperatorHandle> {
  return startOperator(testConfig(namespace, overrides), { logger: quietLogger(), tickMs: 100, defaultMetrics: false });
}

export const condition = (p: PortfolioResource | undefined, type: string) =>
  p?.status?.conditions?.find((c) => c.type === type);
