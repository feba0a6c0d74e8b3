import { portfolioResource, type PortfolioResource } from '@ginkgo/contracts';
import type { KubeClients } from './kube-clients.js';

/** The Portfolio as the API server has it now (a 404 is thrown like any other error). */
export async function readPortfolio(clients: KubeClients, namespace: string, name: string): Promise<PortfolioResource> {
  const { group, version, plural } = portfolioResource;
  return (await clients.custom.getNamespacedCustomObject({
    group,
    version,
    namespace,
    plural,
    name,
  })) as PortfolioResource;
}
