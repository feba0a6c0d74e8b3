import { PortfolioSpec, topics, type MarketDataMessage, type OrderEvent, type SubmitOrder } from '@ginkgo/contracts';
import type { PortfolioView, SettlementRecord } from '@ginkgo/core';
import {
  ExecutionNode,
  InMemoryPortfolioStateStore,
  type PortfolioStateStore,
  type StatusSink,
} from '@ginkgo/node-runtime';
import { InMemoryMessageBus, createLogger } from '@ginkgo/platform';
import type { TrackingBus } from './tracking-bus.js';
import {
  DataFeeder,
  InMemoryOrderLedger,
  PaperExchange,
  TradeGateway,
  marketRulesFor,
  type OrderLedger,
} from '@ginkgo/livecore';

export interface EmbeddedRun {
  orders: SubmitOrder[];
  events: OrderEvent[];
  views: PortfolioView[];
  settlements: SettlementRecord[];
  /** Orders refused by the paper venue, with the reason (limits, lots, cash, T+1). */
  rejections: OrderEvent[];
}

export interface EmbeddedOptions {
  market?: string;
  /** Called every `progressEvery` tape messages with (done, total). */
  onProgress?: (done: number, total: number) => void;
  progressEvery?: number;
  ledger?: OrderLedger;
  onSettlement?: (r: SettlementRecord) => Promise<void>;
  /** Real servers instead of the embedded default: the bus (Kafka behind a TrackingBus), the node's state store, hot state. */
  infra?: {
    bus: TrackingBus;
    stateStore?: PortfolioStateStore;
    /** Wraps the node's status sink (e.g. to also put portfolio summaries into Redis). */
    wrapStatus?: (inner: StatusSink) => StatusSink;
  };
}

/**
 * The whole pipeline in one process over an in-memory bus: feeder -> node-runtime ->
 * trade gateway -> paper exchange -> node-runtime. The same classes the real processes run.
 */
export async function runEmbedded(
  portfolios: Record<string, unknown>,
  tape: MarketDataMessage[],
  options: EmbeddedOptions | string = {},
): Promise<EmbeddedRun> {
  const opts: EmbeddedOptions = typeof options === 'string' ? { market: options } : options;
  const market = opts.market ?? 'cn';
  const logger = createLogger('demo');
  const memory = opts.infra ? undefined : new InMemoryMessageBus();
  const bus = opts.infra?.bus ?? memory!;
  const idle = () => (memory ? memory.idle() : opts.infra!.bus.idle());
  const collectStatus: StatusSink = {
    report: (id, view, result) => {
      views.set(id, view);
      if (result?.settlement) {
        settlements.push(result.settlement);
        if (opts.onSettlement) pendingSaves.push(opts.onSettlement(result.settlement));
      }
    },
  };
  const views = new Map<string, PortfolioView>();
  const settlements: SettlementRecord[] = [];
  const pendingSaves: Promise<void>[] = [];
  const node = new ExecutionNode({
    nodeId: 'demo-node',
    markets: [market],
    bus,
    stateStore: opts.infra?.stateStore ?? new InMemoryPortfolioStateStore(),
    status: opts.infra?.wrapStatus ? opts.infra.wrapStatus(collectStatus) : collectStatus,
    logger,
  });
  // The venue sees the same feed as the portfolios (it matches resting orders against it).
  const exchange = new PaperExchange({ rules: marketRulesFor(market).rules });
  const gateway = new TradeGateway({
    market,
    bus,
    broker: exchange,
    ledger: opts.ledger ?? new InMemoryOrderLedger(),
    logger,
    control: false,
  });
  const feeder = new DataFeeder({ market, bus, logger });
  await node.start();
  await gateway.start();
  await feeder.start();
  let epoch = 1;
  for (const [id, spec] of Object.entries(portfolios)) {
    await node.assign({ portfolioId: id, spec: PortfolioSpec.parse(spec), epoch: epoch++, generation: 1 });
  }
  // Over real servers the assignments' own messages (interest updates) settle before the first tick.
  if (opts.infra) await idle();
  // One message at a time, waiting until every consumer is idle: a deterministic interleaving.
  let done = 0;
  for (const m of tape) {
    exchange.onMarketData(m);
    await feeder.publish([m]);
    await idle();
    if (++done % (opts.progressEvery ?? 50) === 0 || done === tape.length) opts.onProgress?.(done, tape.length);
  }
  await idle();
  await Promise.all(pendingSaves);
  const result: EmbeddedRun = {
    orders: bus.messages(topics.orders(market)).map((m) => JSON.parse(m.value) as SubmitOrder),
    events: bus.messages(topics.orderEvents(market)).map((m) => JSON.parse(m.value) as OrderEvent),
    views: node.portfolioIds().flatMap((id) => node.worker(id)?.engine.view() ?? []),
    settlements,
    rejections: [],
  };
  result.rejections = result.events.filter((e) => e.event === 'REJECTED');
  await feeder.stop();
  await gateway.stop();
  await node.stop();
  return result;
}
