import { portfolioResource, type PortfolioResource, type PortfolioSpecInput } from '@ginkgo/contracts';
import { createKubeClients, type KubeClients } from '@ginkgo/platform';

export function testKube(): KubeClients {
  const kubeconfig = process.env.KUBECONFIG;
  if (!kubeconfig) throw new Error('KUBECONFIG is not set: run `make testbed-up`');
  return createKubeClients(kubeconfig);
}

export async function createNamespace(clients: KubeClients, name: string): Promise<void> {
  await clients.core.createNamespace({ body: { metadata: { name } } });
}

export async function applyPortfolio(clients: KubeClients, namespace: string, name: string, spec: PortfolioSpecInput) {
  const { group, version, plural, apiVersion, kind } = portfolioResource;
  return clients.custom.createNamespacedCustomObject({
    group,
    version,
    namespace,
    plural,
    body: { apiVersion, kind, metadata: { name }, spec },
  });
}

export async function getPortfolio(clients: KubeClients, namespace: string, name: string): Promise<PortfolioResource> {
  const { group, version, plural } = portfolioResource;
  return (await clients.custom.getNamespacedCustomObject({ group, version, namespace, plural, name })) as PortfolioResource;
}
