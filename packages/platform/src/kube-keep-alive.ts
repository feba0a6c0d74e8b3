// Same idea as operator/src/kube/keep-alive.ts, shared here so every process can use it.
import http from 'node:http';
import https from 'node:https';
import type { KubeClients } from './kube-clients.js';

/**
 * node-fetch 2 (under client-node) decides that a chunked answer ended early when, at the moment the answer's
 * stream closes, its socket has a 'data' listener: with keep-alive the agent may already have handed that
 * socket to the next queued request, whose listener it then sees, and the finished answer is reported as
 * "Premature close" (half the answers under load, measured). Handing a freed socket on one turn of the event
 * loop later lets the finished answer close first; the socket is still reused.
 */
function deferFree<A extends http.Agent>(agent: A): A {
  const emit = agent.emit.bind(agent);
  agent.emit = ((event: string | symbol, ...args: unknown[]) => {
    if (event !== 'free') return emit(event, ...args);
    setImmediate(() => emit(event, ...args));
    return true;
  }) as A['emit'];
  return agent;
}

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
      shared = deferFree(
        plain
          ? new http.Agent({ keepAlive: true, maxSockets })
          : new https.Agent({ ...options, keepAlive: true, maxSockets }),
      );
    }
    return shared;
  };
  config.__keepAlive = true;
  return clients;
}
