import net from 'node:net';

/** Per-connection byte rewriting (e.g. Kafka's advertised broker ports); identity by default. */
export interface ProxyCodec {
  toUpstream(chunk: Buffer): Buffer[];
  toClient(chunk: Buffer): Buffer[];
}

export type ProxyState = 'open' | 'cut' | 'blackhole';

/**
 * A TCP proxy in front of a real server, for fault tests against the real test bed: the process under
 * test connects to the proxy, the test cuts the link (every connection reset, new ones refused at once)
 * or blackholes it (connections stay open, bytes vanish: a partition) and restores it. The shared
 * server itself is never stopped.
 */
export class TcpProxy {
  private readonly server: net.Server;
  private readonly links = new Set<{ client: net.Socket; upstream: net.Socket }>();
  private mode: ProxyState = 'open';
  /** Connections accepted and forwarded. */
  connections = 0;
  /** Connection attempts reset while cut (how often the client retried). */
  refused = 0;

  private constructor(private readonly opts: { targetHost: string; targetPort: number; codec?: () => ProxyCodec }) {
    this.server = net.createServer((client) => this.accept(client));
  }

  /** Listens on `listenPort` (0: any free port) of 127.0.0.1. */
  static async start(opts: {
    targetHost?: string;
    targetPort: number;
    listenPort?: number;
    codec?: () => ProxyCodec;
  }): Promise<TcpProxy> {
    const proxy = new TcpProxy({
      targetHost: opts.targetHost ?? '127.0.0.1',
      targetPort: opts.targetPort,
      ...(opts.codec ? { codec: opts.codec } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(opts.listenPort ?? 0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  get state(): ProxyState {
    return this.mode;
  }

  /** Resets every connection; new ones are reset on accept until restore() (a refused, dead link). */
  cut(): void {
    this.mode = 'cut';
    for (const l of this.links) {
      l.client.destroy();
      l.upstream.destroy();
    }
    this.links.clear();
  }

  /** Keeps connections open but drops every byte both ways (a partition: peers see timeouts, not resets). */
  blackhole(): void {
    this.mode = 'blackhole';
  }

  /** Opens the link again. Connections that lived through a blackhole lost bytes: they are reset. */
  restore(): void {
    if (this.mode === 'blackhole') this.cut();
    this.mode = 'open';
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    client.on('error', () => undefined);
    if (this.mode === 'cut') {
      this.refused++;
      client.destroy();
      return;
    }
    this.connections++;
    const upstream = net.connect(this.opts.targetPort, this.opts.targetHost);
    upstream.on('error', () => undefined);
    const link = { client, upstream };
    this.links.add(link);
    const codec = this.opts.codec?.();
    const drop = () => {
      this.links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', drop);
    upstream.on('close', drop);
    client.on('data', (chunk: Buffer) => {
      if (this.mode !== 'open') return;
      for (const b of codec ? codec.toUpstream(chunk) : [chunk]) upstream.write(b);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (this.mode !== 'open') return;
      for (const b of codec ? codec.toClient(chunk) : [chunk]) client.write(b);
    });
  }
}
