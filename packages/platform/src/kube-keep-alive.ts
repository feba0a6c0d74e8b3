// Same idea as operator/src/kube/keep-alive.ts, shared here so every process can use it.
import http from 'node:http';
import https from 'node:https';
import type { KubeClients } from './kube-clients.js';

type AgentFactory = (cluster: { server?: string; proxyUrl?: string } | null, options: https.AgentOptions) => http.Agent;

/**
 * @kubernetes/client-node 1.4 builds a new https.Agent for every request: a TLS handshake per call and no
 * connection reuse (20 writes/s instead of hundreds on a busy machine, and hundreds of MB of RSS). This makes
 * the clients' KubeConfig reuse one keep-alive agent (TLS material is the same for every call of one config;
 * bearer tokens travel in headers, not in the agent). Proxies keep the library's behaviour.
 */
export function withKeepAlive(clients: KubeClients, maxSockets = 64): KubeClients {
  const config = clients.config as unknown as { createAgent: AgentFactory; __keepAlive?: boolean };
  if (config.__keepAlive) return clients;
  const original = config.createAgent.bind(config);
  let shared: http.Agent | undefined;
  config.createAgent = (cluster, options) => {
    if (cluster?.proxyUrl) return original(cluster, options);
    if (!shared) {
      const plain = cluster?.server?.startsWith('http:');
      shared = plain
        ? new http.Agent({ keepAlive: true, maxSockets })
        : new https.Agent({ ...options, keepAlive: true, maxSockets });
    }
    return shared;
  };
  config.__keepAlive = true;
  return clients;
}
