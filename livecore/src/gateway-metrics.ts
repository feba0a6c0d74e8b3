import { Counter, Gauge, type Registry } from 'prom-client';

/** Rejection reasons as a small fixed set (the venue's text names prices and amounts: unbounded label values). */
export function rejectionCategory(reason: string | undefined): string {
  const r = reason ?? '';
  if (/outside the limit/.test(r)) return 'price_limit';
  if (/bad lot/.test(r)) return 'lot';
  if (/insufficient cash/.test(r)) return 'cash';
  if (/insufficient sellable/.test(r)) return 'sellable';
  if (/suspended/.test(r)) return 'suspended';
  return 'other';
}

/** The trade gateway's Prometheus metrics, served on livecore's /metrics. */
export function createGatewayMetrics(registry: Registry) {
  const registers = [registry];
  // Gauges of the gateway's own state are read at scrape time.
  const live: { inFlight?: () => number; awaitingAck?: () => number; unpublished?: () => number; market?: string } = {};
  return {
    readFrom(sources: {
      market: string;
      inFlight: () => number;
      awaitingAck: () => number;
      unpublished: () => number;
    }): void {
      Object.assign(live, sources);
    },
    received: new Counter({
      name: 'ginkgo_gateway_orders_received_total',
      help: 'messages taken from orders.<market> (submits and cancels)',
      labelNames: ['market', 'type'],
      registers,
    }),
    accepted: new Counter({
      name: 'ginkgo_gateway_orders_accepted_total',
      help: 'orders the broker accepted',
      labelNames: ['market'],
      registers,
    }),
    rejected: new Counter({
      name: 'ginkgo_gateway_orders_rejected_total',
      help: 'orders refused: by the broker (price_limit, lot, cash, sellable, suspended, other) or never reaching it (broker_unreachable)',
      labelNames: ['market', 'reason'],
      registers,
    }),
    duplicates: new Counter({
      name: 'ginkgo_gateway_orders_duplicate_total',
      help: 'replayed orders (same client order id) not traded again',
      labelNames: ['market'],
      registers,
    }),
    fenced: new Counter({
      name: 'ginkgo_gateway_fenced_total',
      help: 'submits and cancels refused: sent under an assignment epoch older than the newest seen for the portfolio',
      labelNames: ['market', 'type'],
      registers,
    }),
    fills: new Counter({
      name: 'ginkgo_gateway_fills_total',
      help: 'fills (partial or full) reported by the broker',
      labelNames: ['market'],
      registers,
    }),
    cancels: new Counter({
      name: 'ginkgo_gateway_cancels_total',
      help: 'orders cancelled (requested, timed out or forced)',
      labelNames: ['market'],
      registers,
    }),
    brokerErrors: new Counter({
      name: 'ginkgo_gateway_broker_errors_total',
      help: 'calls to the broker that failed (unreachable, error)',
      labelNames: ['market', 'operation'],
      registers,
    }),
    inFlight: new Gauge({
      name: 'ginkgo_gateway_orders_in_flight',
      help: 'orders at the broker without a final outcome yet',
      labelNames: ['market'],
      registers,
      collect() {
        if (live.inFlight && live.market) this.set({ market: live.market }, live.inFlight());
      },
    }),
    unpublished: new Gauge({
      name: 'ginkgo_gateway_order_events_unpublished',
      help: 'broker reports not yet recorded in the ledger and sent as order events (grows when MySQL or Kafka is slow)',
      labelNames: ['market'],
      registers,
      collect() {
        if (live.unpublished && live.market) this.set({ market: live.market }, live.unpublished());
      },
    }),
    awaitingAck: new Gauge({
      name: 'ginkgo_gateway_orders_awaiting_ack',
      help: 'orders handed to the broker and not acknowledged yet',
      labelNames: ['market'],
      registers,
      collect() {
        if (live.awaitingAck && live.market) this.set({ market: live.market }, live.awaitingAck());
      },
    }),
  };
}
export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;
