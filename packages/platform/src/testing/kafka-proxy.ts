import { TcpProxy, type ProxyCodec } from './tcp-proxy.js';

const METADATA = 3;
const FIND_COORDINATOR = 10;

/** Splits a byte stream into Kafka frames (int32 size + payload). */
class FrameReader {
  private buffered: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    const frames: Buffer[] = [];
    while (this.buffered.length >= 4) {
      const size = this.buffered.readInt32BE(0);
      if (this.buffered.length < 4 + size) break;
      frames.push(this.buffered.subarray(0, 4 + size));
      this.buffered = this.buffered.subarray(4 + size);
    }
    return frames;
  }
}

/**
 * Rewrites, in place, the broker port of Metadata and FindCoordinator responses (non-flexible versions, the
 * ones kafkajs speaks) from the real broker's port to the proxy's, so a client that bootstraps through the
 * proxy keeps every later connection (partition leaders, group coordinator) on the proxy too. Without it a
 * proxy only covers the bootstrap connection: the broker advertises its own address.
 */
function kafkaCodec(brokerPort: number, proxyPort: () => number, onRequest?: KafkaRequestObserver): ProxyCodec {
  const requests = new FrameReader();
  const responses = new FrameReader();
  const pending = new Map<number, { apiKey: number; version: number }>();
  const rewritePort = (frame: Buffer, at: number) => {
    if (frame.readInt32BE(at) === brokerPort) frame.writeInt32BE(proxyPort(), at);
  };
  const skipString = (frame: Buffer, at: number) => {
    const len = frame.readInt16BE(at);
    return at + 2 + Math.max(len, 0);
  };
  return {
    toUpstream(chunk) {
      const frames = requests.push(chunk);
      for (const f of frames) {
        const req = { apiKey: f.readInt16BE(4), version: f.readInt16BE(6) };
        pending.set(f.readInt32BE(8), req);
        onRequest?.({ ...req, frame: f });
      }
      return frames;
    },
    toClient(chunk) {
      const frames = responses.push(chunk).map((f) => Buffer.from(f));
      for (const f of frames) {
        const correlationId = f.readInt32BE(4);
        const req = pending.get(correlationId);
        pending.delete(correlationId);
        if (!req) continue;
        let at = 8;
        if (req.apiKey === METADATA && req.version <= 8) {
          if (req.version >= 3) at += 4; // throttle_time_ms
          const brokers = f.readInt32BE(at);
          at += 4;
          for (let i = 0; i < brokers; i++) {
            at += 4; // node_id
            at = skipString(f, at); // host
            rewritePort(f, at);
            at += 4;
            if (req.version >= 1) at = skipString(f, at); // rack
          }
        } else if (req.apiKey === FIND_COORDINATOR && req.version <= 2) {
          if (req.version >= 1) at += 4; // throttle_time_ms
          at += 2; // error_code
          if (req.version >= 1) at = skipString(f, at); // error_message
          at += 4; // node_id
          at = skipString(f, at); // host
          rewritePort(f, at);
        }
      }
      return frames;
    },
  };
}

/** Sees each request frame (size prefix included) a client sends through the proxy: what tests check on the wire. */
export type KafkaRequestObserver = (req: { apiKey: number; version: number; frame: Buffer }) => void;

/**
 * A TcpProxy in front of a single Kafka broker that keeps all of a client's traffic on the proxy (bootstrap,
 * leaders, coordinator), so cut() really cuts the client off Kafka. For fault tests on the test bed.
 */
export async function startKafkaProxy(opts: {
  brokerHost?: string;
  brokerPort: number;
  listenPort?: number;
  onRequest?: KafkaRequestObserver;
}): Promise<TcpProxy> {
  // The codec asks for the proxy's own port only once it is listening, after this assignment.
  const proxy: TcpProxy = await TcpProxy.start({
    ...(opts.brokerHost ? { targetHost: opts.brokerHost } : {}),
    targetPort: opts.brokerPort,
    ...(opts.listenPort !== undefined ? { listenPort: opts.listenPort } : {}),
    codec: () => kafkaCodec(opts.brokerPort, () => proxy.port, opts.onRequest),
  });
  return proxy;
}
