import type { OrderEvent, OrderMessage } from '@ginkgo/contracts';
import { rejectionCategory, type GatewayMetrics } from './gateway-metrics.js';
import type { OrdersAtBroker } from './orders-at-broker.js';

export type BrokerOperation = 'submit' | 'cancel' | 'reconcile';

/**
 * Wires the gateway to its Prometheus metrics: the market label filled in, the gauges read from the orders at
 * the broker, and nothing at all when the gateway runs without metrics.
 */
export class GatewayMeter {
  private readonly labels: { market: string };

  constructor(
    market: string,
    private readonly metrics: GatewayMetrics | undefined,
    atBroker: OrdersAtBroker,
    /** Broker reports not yet published as order events. */
    unpublished: () => number,
  ) {
    this.labels = { market };
    metrics?.readFrom({
      market,
      inFlight: () => atBroker.open.size,
      awaitingAck: () => atBroker.awaitingAck.size,
      unpublished,
    });
  }

  received(type: OrderMessage['type']): void {
    this.metrics?.received.inc({ ...this.labels, type });
  }

  duplicate(): void {
    this.metrics?.duplicates.inc(this.labels);
  }

  fenced(type: OrderMessage['type']): void {
    this.metrics?.fenced.inc({ ...this.labels, type });
  }

  brokerError(operation: BrokerOperation): void {
    this.metrics?.brokerErrors.inc({ ...this.labels, operation });
  }

  /** Counts an event as recorded in the ledger (a report seen twice is recorded, and counted, once). */
  recorded(e: OrderEvent): void {
    const m = this.metrics;
    if (!m) return;
    if (e.fillVolume !== undefined) m.fills.inc(this.labels);
    if (e.event === 'ACCEPTED') m.accepted.inc(this.labels);
    else if (e.event === 'REJECTED') m.rejected.inc({ ...this.labels, reason: rejectionCategory(e.reason) });
    else if (e.event === 'SUBMIT_FAILED') m.rejected.inc({ ...this.labels, reason: 'broker_unreachable' });
    else if (e.event === 'CANCELLED') m.cancels.inc(this.labels);
  }
}
