import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * The node's own metrics (process CPU, RSS, heap and event-loop lag come from prom-client's default
 * metrics: process_resident_memory_bytes, nodejs_eventloop_lag_seconds, ... — S7.01, S7.02).
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
      help: 'deepest portfolio queue on this node (S7.06)',
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
      help: 'messages behind the end of the log, per consumed topic partition (S5.06)',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    eventsIn: new Counter({ name: 'ginkgo_node_events_in_total', help: 'events consumed', labelNames: ['kind'], registers }),
    ordersOut: new Counter({ name: 'ginkgo_node_orders_total', help: 'orders and cancels published', labelNames: ['type'], registers }),
    errors: new Counter({ name: 'ginkgo_node_worker_errors_total', help: 'portfolio component failures (S2.10)', registers }),
    conflatedTicks: new Counter({
      name: 'ginkgo_node_conflated_ticks_total',
      help: 'ticks replaced by a newer tick of the same code while a portfolio queue was full (S7.06)',
      registers,
    }),
    stalls: new Counter({ name: 'ginkgo_node_worker_stalls_total', help: 'workers stuck on one event longer than the watchdog limit (S7.04)', registers }),
    fenced: new Gauge({
      name: 'ginkgo_node_fenced',
      help: '1 while the node holds orders back because its Lease is not safely renewed',
      registers,
      collect() {
        if (live.fenced) this.set(live.fenced() ? 1 : 0);
      },
    }),
    tickToOrder: new Histogram({
      name: 'ginkgo_node_tick_to_order_seconds',
      help: 'from consuming a tick to its orders acknowledged by Kafka',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
  };
}
interface LiveSources {
  portfolios?: () => number;
  queueDepth?: () => number;
  queueCapacity?: () => number;
  fenced?: () => boolean;
}
export type NodeMetrics = ReturnType<typeof createNodeMetrics>;
