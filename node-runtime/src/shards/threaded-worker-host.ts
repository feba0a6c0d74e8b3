import type { Logger } from '@ginkgo/platform';
import type { StartedWorker, WorkerHost, WorkerStart } from '../worker/worker-handle.js';
import type { ShardSetupRef } from './shard-protocol.js';
import { ShardLink } from './shard-link.js';
import type { RemoteWorker } from './remote-worker.js';

/** How often the node tells its shards the offsets each worker may save as applied (and checks they answer). */
const WATERMARK_EVERY_MS = 250;

export interface ThreadedWorkerHostOptions {
  threads: number;
  nodeId: string;
  /** How each thread builds the registry and market rules (the same packages and files as the node's thread). */
  setup: ShardSetupRef;
  logger: Logger;
  /** A shard thread died: its portfolios cannot go on in this process (the node restarts, they resume). */
  onFatal: (err: Error) => void;
}

/**
 * Runs the node's portfolios on worker threads (NODE_WORKER_THREADS): each portfolio on one shard, the
 * shards balanced by portfolio count. The node's thread keeps the consumers, the routing, the producer, the
 * Lease fencing and the state store; a shard runs the portfolios' queues and engines, so the engines of two
 * shards run on two cores.
 */
export class ThreadedWorkerHost implements WorkerHost<RemoteWorker> {
  private readonly shards: ShardLink[];
  private readonly timer: NodeJS.Timeout;

  private constructor(opts: ThreadedWorkerHostOptions) {
    if (!Number.isInteger(opts.threads) || opts.threads < 1)
      throw new Error(`threads must be a positive integer, got ${opts.threads}`);
    this.shards = Array.from({ length: opts.threads }, (_, i) => new ShardLink(i, opts));
    this.timer = setInterval(() => {
      for (const s of this.shards) {
        s.sendWatermarks();
        s.noteSilence();
      }
    }, WATERMARK_EVERY_MS);
    this.timer.unref();
  }

  /** Starts the threads; rejects (threads stopped) when one of them cannot load its setup. */
  static async create(opts: ThreadedWorkerHostOptions): Promise<ThreadedWorkerHost> {
    const host = new ThreadedWorkerHost(opts);
    try {
      await Promise.all(host.shards.map((s) => s.ready));
    } catch (err) {
      await host.close();
      throw err;
    }
    return host;
  }

  get threads(): number {
    return this.shards.length;
  }

  /** The shard each running portfolio is on (tests, diagnostics). */
  shardOf(portfolioId: string): number | undefined {
    return this.shards.find((s) => s.workers.has(portfolioId))?.index;
  }

  start(s: WorkerStart): Promise<StartedWorker<RemoteWorker>> {
    let least = this.shards[0]!;
    for (const shard of this.shards) if (shard.load < least.load) least = shard;
    return least.start(s);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.shards.map((s) => s.close()));
  }
}
