import {
  ApiException,
  ApiextensionsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
} from '@kubernetes/client-node';

export interface KubeClients {
  config: KubeConfig;
  custom: CustomObjectsApi;
  coordination: CoordinationV1Api;
  core: CoreV1Api;
  apiextensions: ApiextensionsV1Api;
}

/** In a pod: the service account; elsewhere: KUBECONFIG or ~/.kube/config. */
export function createKubeClients(kubeconfigPath = process.env.KUBECONFIG): KubeClients {
  const config = new KubeConfig();
  if (kubeconfigPath) config.loadFromFile(kubeconfigPath);
  else config.loadFromDefault();
  return {
    config,
    custom: config.makeApiClient(CustomObjectsApi),
    coordination: config.makeApiClient(CoordinationV1Api),
    core: config.makeApiClient(CoreV1Api),
    apiextensions: config.makeApiClient(ApiextensionsV1Api),
  };
}

export function apiStatusCode(err: unknown): number | undefined {
  if (err instanceof ApiException) return err.code;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

export const isNotFound = (err: unknown) => apiStatusCode(err) === 404;
export const isConflict = (err: unknown) => apiStatusCode(err) === 409;
