import http from 'node:http';
import type { Registry } from 'prom-client';

export interface HealthChecks {
  /** Process is alive (event loop turns). */
  live: () => boolean;
  /** Process can do its job (dependencies connected, work assigned). */
  ready: () => boolean;
}

export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly what: string,
  ) {
    super(`${what}: port ${port} is already in use; set a free port or stop the other process`);
    this.name = 'PortInUseError';
  }
}

/** Serves /livez (alias /healthz), /readyz and /metrics. Rejects with PortInUseError naming the port. */
export async function startHealthServer(opts: {
  port: number;
  host?: string;
  checks: HealthChecks;
  registry: Registry;
  what: string;
}): Promise<{ server: http.Server; port: number; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (url === '/livez' || url === '/healthz' || url === '/readyz') {
      const ok = url === '/readyz' ? opts.checks.ready() : opts.checks.live();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok' : 'not ready');
      return;
    }
    if (url === '/metrics') {
      opts.registry
        .metrics()
        .then((body) => res.writeHead(200, { 'content-type': opts.registry.contentType }).end(body))
        .catch((err: unknown) => res.writeHead(500).end(String(err)));
      return;
    }
    res.writeHead(404).end('not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new PortInUseError(opts.port, opts.what) : err),
    );
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    server,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
