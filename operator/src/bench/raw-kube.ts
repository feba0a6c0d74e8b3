import https from 'node:https';
import http from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';

/**
 * A lean JSON client for the bench's own bulk writes: plain https with one keep-alive agent and the kubeconfig's
 * TLS material and auth headers. The bench stands in for kubectl/Argo CD, which would not run on the operator's
 * cores; @kubernetes/client-node's per-call machinery costs several times more CPU on this 2-core machine.
 */
export async function rawKubeClient(config: KubeConfig, maxSockets = 64) {
  const server = config.getCurrentCluster()?.server;
  if (!server) throw new Error('kubeconfig has no current cluster');
  const base = new URL(server);
  const opts: https.RequestOptions = {};
  await config.applyToHTTPSOptions(opts);
  const plain = base.protocol === 'http:';
  const agent = plain
    ? new http.Agent({ keepAlive: true, maxSockets })
    : new https.Agent({
        ca: opts.ca,
        cert: opts.cert,
        key: opts.key,
        ...(opts.rejectUnauthorized !== undefined ? { rejectUnauthorized: opts.rejectUnauthorized } : {}),
        keepAlive: true,
        maxSockets,
      });
  const headers = {
    ...(opts.headers as Record<string, string> | undefined),
    'user-agent': 'ginkgo-bench',
    'content-type': 'application/json',
    accept: 'application/json',
  };
  return {
    /** Sends one request; resolves with the status code and the raw body (never throws on HTTP errors). */
    request(method: string, path: string, body?: unknown): Promise<{ status: number; body: string }> {
      const data = body === undefined ? undefined : JSON.stringify(body);
      return new Promise((resolve, reject) => {
        const req = (plain ? http : https).request(
          {
            ...opts,
            agent,
            method,
            host: base.hostname,
            port: base.port || (plain ? 80 : 443),
            path,
            headers: { ...headers, ...(data ? { 'content-length': Buffer.byteLength(data) } : {}) },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(data);
      });
    },
    close(): void {
      agent.destroy();
    },
  };
}
