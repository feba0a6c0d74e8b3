import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { portfolioResource, type PortfolioResource, type PortfolioSpecInput } from '@ginkgo/contracts';
import { createKubeClients, isNotFound, type KubeClients } from '../kube-clients.js';
import { readPortfolio } from '../read-portfolio.js';

const { group, version, plural, apiVersion, kind } = portfolioResource;

/** Spec fields a test sets; tests of validation also pass fields the schema rejects. */
export type TestPortfolioSpec = Partial<PortfolioSpecInput> & Record<string, unknown>;

export const mergePatch = () => setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** A short random suffix so names of parallel or repeated runs never collide. */
export const uniqueSuffix = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

/** Clients for the test bed's API server; fails with a hint when the test bed is not up. */
export function testKubeClients(): KubeClients {
  const path = process.env.KUBECONFIG;
  if (!path) throw new Error('KUBECONFIG is not set: run `make testbed-up`');
  return createKubeClients(path);
}

/**
 * Polls `probe` until it returns a value other than undefined or false. A throwing probe counts as "not yet";
 * its last error is named in the timeout message.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 45000,
  everyMs = 150,
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
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}${last ? `: ${last instanceof Error ? last.message : JSON.stringify(last)}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function createNamespace(clients: KubeClients, name: string): Promise<void> {
  await clients.core.createNamespace({ body: { metadata: { name } } });
}

/** A valid spec of a small cn portfolio, for tests and benches that only need some Portfolio. */
export const samplePortfolioSpec = {
  market: 'cn',
  initialCash: '1000000.00',
  strategy: { name: 'ma-cross', params: { short: 5, long: 20 } },
  interestedCodes: ['600000.SH'],
};

/** Buys 100 shares of each code once, at its first price: the simplest portfolio that trades. */
export const buyAndHoldSpec = (codes: string[], initialCash = '100000.00'): PortfolioSpecInput => ({
  market: 'cn',
  initialCash,
  strategy: { name: 'buy-and-hold', params: {} },
  sizer: { name: 'fixed-volume', params: { volume: 100 } },
  interestedCodes: codes,
});

/** A Portfolio as a user would apply it; `finalizers` lets a test play the operator's part. */
export function portfolioObject(name: string, spec: TestPortfolioSpec, finalizers?: string[]) {
  return { apiVersion, kind, metadata: { name, ...(finalizers ? { finalizers } : {}) }, spec };
}

export async function createPortfolio(
  clients: KubeClients,
  namespace: string,
  name: string,
  spec: TestPortfolioSpec,
  finalizers?: string[],
): Promise<PortfolioResource> {
  return (await clients.custom.createNamespacedCustomObject({
    group,
    version,
    namespace,
    plural,
    body: portfolioObject(name, spec, finalizers),
  })) as PortfolioResource;
}

/** The Portfolio, or undefined when it does not exist (any other error is thrown). */
export async function getPortfolio(
  clients: KubeClients,
  namespace: string,
  name: string,
): Promise<PortfolioResource | undefined> {
  try {
    return await readPortfolio(clients, namespace, name);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Merge-patches a Portfolio, or its status subresource when `status` is set. */
export async function patchPortfolio(
  clients: KubeClients,
  namespace: string,
  name: string,
  body: object,
  status = false,
): Promise<PortfolioResource> {
  const args = { group, version, namespace, plural, name, body };
  return (
    status
      ? await clients.custom.patchNamespacedCustomObjectStatus(args, mergePatch())
      : await clients.custom.patchNamespacedCustomObject(args, mergePatch())
  ) as PortfolioResource;
}

/**
 * Drops every Portfolio's finalizers, then empties and finalizes the namespace. The test bed runs no
 * kube-controller-manager: namespaces are never emptied nor finalized on their own.
 */
export async function dropNamespace(clients: KubeClients, namespace: string): Promise<void> {
  try {
    const list = (await clients.custom.listNamespacedCustomObject({ group, version, namespace, plural })) as {
      items: PortfolioResource[];
    };
    for (const p of list.items)
      await patchPortfolio(clients, namespace, p.metadata.name, { metadata: { finalizers: null } }).catch(
        () => undefined,
      );
  } catch {
    // the namespace may be gone already
  }
  await purgeNamespace(clients, namespace);
}

/** Deletes what the tests create in `namespace`, then the namespace itself, finalizing it by hand. */
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
