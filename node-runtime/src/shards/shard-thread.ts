import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '@ginkgo/platform/thread';
import { loadShardSetup } from './shard-setup.js';
import type { FromShard, ShardSetupRef, ToShard } from './shard-protocol.js';
import { ShardRuntime } from './shard-runtime.js';

/** Entry of a shard's worker thread (started by ThreadedWorkerHost). */
const data = workerData as { shard: number; nodeId: string; setup: ShardSetupRef; logLevel: string };
const port = parentPort;
if (!port) throw new Error('shard-thread.js runs as a worker thread only');
// The node's own level (a test's silent logger stays silent in its shards too).
const logger = createLogger('node-runtime', { nodeId: data.nodeId, shard: data.shard });
logger.level = data.logLevel;
const { registry, marketRules } = await loadShardSetup(data.setup);
const runtime = new ShardRuntime({
  registry,
  ...(marketRules ? { marketRules } : {}),
  logger,
  post: (items: FromShard[]) => port.postMessage(items),
});
port.on('message', (items: ToShard[]) => runtime.receive(items));
port.postMessage([{ t: 'answer', id: 0, ok: true }] satisfies FromShard[]);
