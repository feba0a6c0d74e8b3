// The e2e suites' names for the shared Kubernetes test helpers.
export {
  createNamespace,
  createPortfolio as applyPortfolio,
  getPortfolio,
  patchPortfolio,
  testKubeClients as testKube,
} from '@ginkgo/platform/testing';
