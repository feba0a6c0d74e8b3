import { topics } from '@ginkgo/contracts';
import { ExecutionNode, InMemoryPortfolioStateStore } from '@ginkgo/node-runtime';
import { KafkaMessageBus, PrefixedTopicBus, type Logger } from '@ginkgo/platform';
import { benchRegistry, benchSpec, noStatus } from './bench-portfolios.js';

/**
 * An ExecutionNode with the bench's strategies and an in-memory store, on topics of its own (`<nodeId>.` prefix)
 * of the real Kafka. `onMarketData` is called for each market-data message the node has handled.
 */
export function benchNode(opts: { brokers: string[]; nodeId: string; logger: Logger; onMarketData?: () => void }) {
  const { brokers, nodeId, logger, onMarketData } = opts;
  const bus = new PrefixedTopicBus(new KafkaMessageBus({ brokers, clientId: nodeId, logger }), {
    prefix: `${nodeId}.`,
    ...(onMarketData && {
      onHandled: (topic: string) => {
        if (topic === topics.marketData('cn')) onMarketData();
      },
    }),
  });
  const node = new ExecutionNode({
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

/**
 * Assigns portfolio `i` the no-op strategy on a block of `perPortfolio` consecutive codes of `codes` (wrapping
 * around): portfolios assigned this way spread evenly over the codes.
 */
export function assignCodeBlock(
  node: ExecutionNode,
  portfolioId: string,
  codes: string[],
  i: number,
  perPortfolio: number,
) {
  const mine = Array.from({ length: perPortfolio }, (_, j) => codes[(i * perPortfolio + j) % codes.length]!);
  return node.assign({ portfolioId, spec: benchSpec('bench-noop', mine), epoch: 1, generation: 1 });
}
