import { PortfolioSpec, topics, type MarketDataMessage, type OrderEvent, type SubmitOrder } from '@ginkgo/contracts';
import type { PortfolioView } from '@ginkgo/core';
import { ExecutionNode, InMemoryPortfolioStateStore } from '@ginkgo/node-runtime';
import { InMemoryMessageBus, createLogger } from '@ginkgo/platform';
import { PaperExchange } from '../paper-exchange.js';
import { InMemoryOrderLedger } from '../order-ledger.js';
import { TradeGateway } from '../trade-gateway.js';
import { DataFeeder } from '../data-feeder.js';

export interface EmbeddedRun {
  orders: SubmitOrder[];
  events: OrderEvent[];
  views: PortfolioView[];
}

/**
 * The whole pipeline in one process over an in-memory bus: feeder -> node-runtime ->
 * trade gateway -> paper exchange -> node-runtime. The same classes the real processes run.
 */
export async function runEmbedded(portfolios: Record<string, unknown>, tape: MarketDataMessage[], market = 'cn'): Promise<EmbeddedRun> {
  const logger = createLogger('demo');
  const bus = new InMemoryMessageBus();
  const views = new Map<string, PortfolioView>();
  const node = new ExecutionNode({
    nodeId: 'demo-node',
    markets: [market],
    bus,
    stateStore: new InMemoryPortfolioStateStore(),
    status: { report: (id, view) => void views.set(id, view) },
    logger,
  });
  const gateway = new TradeGateway({ market, bus, broker: new PaperExchange(), ledger: new InMemoryOrderLedger(), logger });
  const feeder = new DataFeeder({ market, bus, logger });
  await node.start();
  await gateway.start();
  await feeder.start();
  let epoch = 1;
  for (const [id, spec] of Object.entries(portfolios)) {
    await node.assign({ portfolioId: id, spec: PortfolioSpec.parse(spec), epoch: epoch++, generation: 1 });
  }
  // One message at a time, waiting until every consumer is idle: a deterministic interleaving.
  for (const m of tape) {
    await feeder.publish([m]);
    await bus.idle();
  }
  const result: EmbeddedRun = {
    orders: bus.messages(topics.orders(market)).map((m) => JSON.parse(m.value) as SubmitOrder),
    events: bus.messages(topics.orderEvents(market)).map((m) => JSON.parse(m.value) as OrderEvent),
    views: node.portfolioIds().flatMap((id) => node.worker(id)?.engine.view() ?? []),
  };
  await feeder.stop();
  await gateway.stop();
  await node.stop();
  return result;
}
