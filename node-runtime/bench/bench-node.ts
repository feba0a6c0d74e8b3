import { topics } from '@ginkgo/contracts';
import {
  ExecutionNode,
  InMemoryPortfolioStateStore,
  ThreadedWorkerHost,
  type WorkerHandle,
  type WorkerHost,
} from '@ginkgo/node-runtime';
import { KafkaMessageBus, PrefixedTopicBus, type Logger } from '@ginkgo/platform';
import { benchRegistry, benchSpec, noStatus } from './bench-portfolios.js';

/**
 * An ExecutionNode with the bench's strategies and an in-memory store, on topics of its own (`<nodeId>.` prefix)
 * of the real Kafka. `onMarketData` is called for each market-data message the node has handled.
 */
export function benchNode(opts: {
  brokers: string[];
  nodeId: string;
  logger: Logger;
  onMarketData?: () => void;
  workerHost?: WorkerHost<WorkerHandle>;
}) {
  const { brokers, nodeId, logger, onMarketData, workerHost } = opts;
  const bus = new PrefixedTopicBus(new KafkaMessageBus({ brokers, clientId: nodeId, logger }), {
    prefix: `${nodeId}.`,
    ...(onMarketData && {
      onHandled: (topic: string) => {
        if (topic === topics.marketData('cn')) onMarketData();
      },
    }),
  });
  const node = new ExecutionNode<WorkerHandle>({
    ...(workerHost ? { workerHost } : {}),
    nodeId,
    markets: ['cn'],
    bus,
    stateStore: new InMemoryPortfolioStateStore(),
    status: noStatus,
    logger,
    registry: benchRegistry(),
  });
  return { bus, node };
}

/** `threads` worker threads with the bench's components (none: the node's own thread). */
export async function benchWorkerHost(threads: number, nodeId: string, logger: Logger) {
  if (threads === 0) return undefined;
  return ThreadedWorkerHost.create({
    threads,
    nodeId,
    setup: { module: new URL('./bench-shard-setup.js', import.meta.url).href, export: 'benchShardSetup' },
    logger,
    onFatal: (err) => {
      console.error('node bench: a worker thread died', err);
      process.exit(1);
    },
  });
}

/**
 * Assigns portfolio `i` the no-op strategy on a block of `perPortfolio` consecutive codes of `codes` (wrapping
 * around): portfolios assigned this way spread evenly over the codes.
 */
export function assignCodeBlock(
  node: ExecutionNode<WorkerHandle>,
  portfolioId: string,
  codes: string[],
  i: number,
  perPortfolio: number,
) {
  const mine = Array.from({ length: perPortfolio }, (_, j) => codes[(i * perPortfolio + j) % codes.length]!);
  return node.assign({ portfolioId, spec: benchSpec('bench-noop', mine), epoch: 1, generation: 1 });
}
