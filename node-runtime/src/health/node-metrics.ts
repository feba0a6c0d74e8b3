import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { WorkerHandle } from '../worker/worker-handle.js';

/**
 * The node's own metrics (process CPU, RSS, heap and event-loop lag come from prom-client's default
 * metrics: process_resident_memory_bytes, nodejs_eventloop_lag_seconds, ...: the memory and event-loop alerts).
 */
export function createNodeMetrics(registry: Registry) {
  const registers = [registry];
  // Gauges of the node's own state are read at scrape time, so a scrape never shows a stale count.
  const live: LiveSources = {};
  return {
    /** Where the scrape-time gauges read from (set once the node is running). */
    readFrom(sources: LiveSources): void {
      Object.assign(live, sources);
    },
    portfolios: new Gauge({
      name: 'ginkgo_node_portfolios',
      help: 'portfolios running on this node',
      registers,
      collect() {
        if (live.portfolios) this.set(live.portfolios());
      },
    }),
    queueDepth: new Gauge({
      name: 'ginkgo_node_queue_depth',
      help: 'deepest portfolio queue on this node',
      registers,
      collect() {
        if (live.queueDepth) this.set(live.queueDepth());
      },
    }),
    queueCapacity: new Gauge({
      name: 'ginkgo_node_queue_capacity',
      help: 'capacity of each portfolio queue on this node (QUEUE_CAPACITY)',
      registers,
      collect() {
        if (live.queueCapacity) this.set(live.queueCapacity());
      },
    }),
    consumerLag: new Gauge({
      name: 'ginkgo_node_consumer_lag',
      help: 'messages behind the end of the log, per consumed topic partition',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    eventsIn: new Counter({
      name: 'ginkgo_node_events_in_total',
      help: 'events consumed',
      labelNames: ['kind'],
      registers,
    }),
    ordersOut: new Counter({
      name: 'ginkgo_node_orders_total',
      help: 'orders and cancels published',
      labelNames: ['type'],
      registers,
    }),
    errors: new Counter({ name: 'ginkgo_node_worker_errors_total', help: 'portfolio component failures', registers }),
    conflatedTicks: new Counter({
      name: 'ginkgo_node_conflated_ticks_total',
      help: 'ticks replaced by a newer tick of the same code while a portfolio queue was full',
      registers,
    }),
    stalls: new Counter({
      name: 'ginkgo_node_worker_stalls_total',
      help: 'workers stuck on one event longer than the watchdog limit',
      registers,
    }),
    fenced: new Gauge({
      name: 'ginkgo_node_fenced',
      help: '1 while the node holds orders back because its Lease is not safely renewed',
      registers,
      collect() {
        if (live.fenced) this.set(live.fenced() ? 1 : 0);
      },
    }),
    fills: new Counter({
      name: 'ginkgo_node_fills_total',
      help: 'fills applied to the portfolios of this node',
      labelNames: ['market'],
      registers,
    }),
    duplicateEvents: new Counter({
      name: 'ginkgo_node_duplicate_events_total',
      help: 'inputs a portfolio engine had applied already and dropped: redeliveries after a restart, never in steady state',
      registers,
    }),
    ...portfolioGauges(registers, live),
    tickToOrder: new Histogram({
      name: 'ginkgo_node_tick_to_order_seconds',
      help: 'from consuming a tick to its orders acknowledged by Kafka',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
  };
}
/** One portfolio's figures at scrape time: money in currency units, fills since it started on this node. */
export interface PortfolioFigures {
  portfolio: string;
  equity: number;
  dayPnl: number;
  cash: number;
  positionsValue: number;
  fills: number;
}

/**
 * Per-portfolio series, labelled by portfolio only (namespace and pod come from the scrape): five series a
 * portfolio, on the one node that runs it, so 10,000 portfolios make 50,000 series cluster-wide. They are
 * rebuilt at every scrape from the running workers, so a portfolio that moved away leaves no stale series.
 */
function portfolioGauges(registers: Registry[], live: LiveSources) {
  let figures: PortfolioFigures[] = [];
  const labelNames = ['portfolio'];
  const gauge = (name: string, help: string, pick: (f: PortfolioFigures) => number, first = false) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      collect() {
        // The first collected metric reads the workers once for this scrape; the others reuse the list.
        if (first) figures = live.portfolioFigures?.() ?? [];
        this.reset();
        for (const f of figures) this.set({ portfolio: f.portfolio }, pick(f));
      },
    });
  return {
    portfolioEquity: gauge(
      'ginkgo_portfolio_equity',
      'portfolio equity (cash + market value), currency units',
      (f) => f.equity,
      true,
    ),
    portfolioDayPnl: gauge(
      'ginkgo_portfolio_day_pnl',
      'equity change since the start of the trading day, currency units',
      (f) => f.dayPnl,
    ),
    portfolioCash: gauge('ginkgo_portfolio_cash', 'portfolio cash, currency units', (f) => f.cash),
    portfolioPositionsValue: gauge(
      'ginkgo_portfolio_positions_value',
      'market value of the positions, currency units',
      (f) => f.positionsValue,
    ),
    portfolioFills: new Counter({
      name: 'ginkgo_portfolio_fills_total',
      help: 'fills applied to the portfolio since it started on this node',
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const f of figures) if (f.fills > 0) this.inc({ portfolio: f.portfolio }, f.fills);
      },
    }),
  };
}

interface LiveSources {
  portfolioFigures?: () => PortfolioFigures[];
  portfolios?: () => number;
  queueDepth?: () => number;
  queueCapacity?: () => number;
  fenced?: () => boolean;
}
export type NodeMetrics = ReturnType<typeof createNodeMetrics>;

/** A worker's figures for the per-portfolio series (minor units to currency units for display only). */
export function portfolioFigures(w: WorkerHandle): PortfolioFigures {
  const v = w.view();
  const positionsValue = v.positions.reduce((sum, p) => sum + p.marketValue, 0);
  return {
    portfolio: w.portfolioId,
    equity: v.equity / 100,
    dayPnl: (v.equity - w.dayStartEquity()) / 100,
    cash: v.cash / 100,
    positionsValue: positionsValue / 100,
    fills: w.fillsApplied,
  };
}
