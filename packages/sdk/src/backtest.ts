import {
  decimalToMinor,
  type MarketDataMessage,
  type OrderEvent,
  type PortfolioSpec,
  type SubmitOrder,
} from '@ginkgo/contracts';
import {
  cnAShareMarket,
  createDefaultRegistry,
  PortfolioEngine,
  type ComponentRegistry,
  type EngineConfig,
  type EngineEvent,
  type HandleResult,
  type MarketRules,
  type PortfolioView,
  type SettlementRecord,
} from '@ginkgo/core';
import { PaperExchange, orderEventOf, type PaperExchangeOptions } from '@ginkgo/livecore/paper-exchange';

type BrokerReport = Parameters<Parameters<PaperExchange['onReport']>[0]>[0];

export interface BacktestPortfolio {
  id: string;
  /** A parsed PortfolioSpec (the same object `kubectl apply` would store). */
  spec: PortfolioSpec;
}

export interface Fill {
  clientOrderId: string;
  fillId: string;
  code: string;
  side: 'BUY' | 'SELL';
  volume: number;
  /** Minor units. */
  price: number;
  /** Fees of this fill as the venue reports them, minor units (the increase of the order's cumulative fees). */
  fee: number;
  ts: number;
}

export interface PortfolioRun {
  portfolioId: string;
  spec: PortfolioSpec;
  /** Orders as the node would publish them (epoch 1, node "backtest"). */
  orders: SubmitOrder[];
  /** Venue outcomes as the gateway would publish them (same event ids). */
  events: OrderEvent[];
  fills: Fill[];
  settlements: SettlementRecord[];
  /** Signals dropped and events refused, with the reason. */
  dropped: { eventId: string; reason: string }[];
  final: PortfolioView;
}

export interface BacktestOptions {
  registry?: ComponentRegistry;
  market?: MarketRules;
  config?: Partial<EngineConfig>;
  /** Fill model of the paper venue (partial fills, participation); accounts are opened from initialCash. */
  exchange?: Omit<PaperExchangeOptions, 'rules' | 'accounts' | 'latencyMs' | 'schedule'>;
  onProgress?: (done: number, total: number) => void;
  progressEvery?: number;
  /** Tape positions after which every engine is snapshotted and rebuilt from the snapshot (restart check). */
  restoreAfter?: ReadonlySet<number>;
}

/**
 * The engine over a tape with the paper venue's fill model: the classes the live path runs (PortfolioEngine,
 * PaperExchange), in the order the live path applies them: the venue sees each market message first, its
 * fills reach the portfolios, then the portfolios see the message; orders go to the venue at once and their
 * outcomes come back before the next message. Deterministic: same tape, same result.
 */
export function runBacktest(
  portfolios: readonly BacktestPortfolio[],
  tape: readonly MarketDataMessage[],
  opts: BacktestOptions = {},
): PortfolioRun[] {
  const rules = opts.market ?? cnAShareMarket;
  const registry = opts.registry ?? createDefaultRegistry();
  const ids = new Set<string>();
  for (const p of portfolios) {
    if (ids.has(p.id)) throw new Error(`portfolio id "${p.id}" given twice`);
    ids.add(p.id);
  }
  const accounts: NonNullable<PaperExchangeOptions['accounts']> = {};
  for (const p of portfolios) accounts[p.id] = { cashMinor: decimalToMinor(p.spec.initialCash) };
  const exchange = new PaperExchange({ ...opts.exchange, rules, accounts, latencyMs: 0 });
  const reports: BrokerReport[] = [];
  exchange.onReport((r) => reports.push(r));
  const build = (p: BacktestPortfolio) =>
    PortfolioEngine.create({
      portfolioId: p.id,
      spec: p.spec,
      registry,
      market: rules,
      ...(opts.config ? { config: opts.config } : {}),
    });
  const engines = new Map(portfolios.map((p) => [p.id, build(p)]));
  const runs = new Map<string, PortfolioRun>(
    portfolios.map((p) => [
      p.id,
      {
        portfolioId: p.id,
        spec: p.spec,
        orders: [],
        events: [],
        fills: [],
        settlements: [],
        dropped: [],
        final: engines.get(p.id)!.view(),
      },
    ]),
  );
  const orderOf = new Map<string, { portfolioId: string; order: SubmitOrder; seq: number }>();

  const apply = (portfolioId: string, event: EngineEvent) => {
    const run = runs.get(portfolioId)!;
    const result: HandleResult = engines.get(portfolioId)!.handle(event);
    for (const d of result.dropped) run.dropped.push({ eventId: d.eventId, reason: d.reason });
    if (result.settlement) run.settlements.push(result.settlement);
    for (const o of result.orders) {
      const order: SubmitOrder = { type: 'submit', ...o, epoch: 1, nodeId: 'backtest' };
      run.orders.push(order);
      orderOf.set(order.clientOrderId, { portfolioId, order, seq: 0 });
      void exchange.submit(order);
    }
    for (const c of result.cancels) void exchange.cancel(c.clientOrderId, c.ts, c.reason);
  };

  // Broker reports become order events exactly as the gateway words them (event id = clientOrderId:seq).
  const drain = () => {
    for (let r = reports.shift(); r !== undefined; r = reports.shift()) {
      const o = orderOf.get(r.clientOrderId);
      if (!o) continue;
      o.seq += 1;
      const event = orderEventOf(r, o.seq, { market: o.order.market, portfolioId: o.portfolioId });
      const run = runs.get(o.portfolioId)!;
      run.events.push(event);
      if (r.fillId !== undefined && r.fillVolume !== undefined && r.fillPrice !== undefined) {
        run.fills.push({
          clientOrderId: r.clientOrderId,
          fillId: r.fillId,
          code: o.order.code,
          side: o.order.side,
          volume: r.fillVolume,
          price: r.fillPrice,
          fee: r.fillFee ?? 0,
          ts: r.ts,
        });
      }
      apply(o.portfolioId, event);
    }
  };

  const interest = new Map(portfolios.map((p) => [p.id, new Set(p.spec.interestedCodes)]));
  const total = tape.length;
  const every = opts.progressEvery ?? 10_000;
  for (let i = 0; i < total; i++) {
    const m = tape[i]!;
    exchange.onMarketData(m);
    drain();
    for (const p of portfolios) {
      if (m.type === 'price' && !interest.get(p.id)!.has(m.code)) continue;
      apply(p.id, m);
      drain();
    }
    if (opts.restoreAfter?.has(i)) {
      for (const p of portfolios) {
        const snapshot = JSON.parse(JSON.stringify(engines.get(p.id)!.snapshot())) as ReturnType<
          PortfolioEngine['snapshot']
        >;
        engines.set(
          p.id,
          PortfolioEngine.restore({
            snapshot,
            spec: p.spec,
            registry,
            market: rules,
            ...(opts.config ? { config: opts.config } : {}),
          }),
        );
      }
    }
    if (opts.onProgress && ((i + 1) % every === 0 || i + 1 === total)) opts.onProgress(i + 1, total);
  }
  for (const run of runs.values()) run.final = engines.get(run.portfolioId)!.view();
  return [...runs.values()];
}
