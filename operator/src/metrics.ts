import type { createMetricsRegistry } from '@ginkgo/platform';

type Registry = ReturnType<typeof createMetricsRegistry>;
type Labels = Record<string, string>;

const keyOf = (labels: Labels) => JSON.stringify(Object.entries(labels).sort());

/** Minimal counter/gauge registered on the platform's prom-client Registry (no direct prom-client import). */
class Metric {
  protected readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge',
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }
  protected add(labels: Labels, delta: number, set = false): void {
    const k = keyOf(labels);
    const cur = this.values.get(k);
    if (cur) cur.value = set ? delta : cur.value + delta;
    else this.values.set(k, { labels, value: delta });
  }
  get() {
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: 'sum',
      values: [...this.values.values()].map((v) => ({ labels: v.labels, value: v.value })),
    });
  }
  reset(): void {
    this.values.clear();
  }
}

export class Counter extends Metric {
  constructor(name: string, help: string, registry: Registry) {
    super(name, help, 'counter', registry);
  }
  inc(labels: Labels = {}, by = 1): void {
    this.add(labels, by);
  }
}

export class Gauge extends Metric {
  constructor(name: string, help: string, registry: Registry) {
    super(name, help, 'gauge', registry);
  }
  set(labels: Labels, value: number): void {
    this.add(labels, value, true);
  }
}

export function createOperatorMetrics(registry: Registry) {
  return {
    registry,
    reconciles: new Counter('ginkgo_operator_reconciles_total', 'Portfolio reconciles by result', registry),
    reconcileSeconds: new Counter('ginkgo_operator_reconcile_seconds_total', 'Time spent reconciling', registry),
    assignments: new Counter(
      'ginkgo_operator_assignments_total',
      'Assignments by reason (Assigned, Moved, FailedOver, Drained, Rebalanced)',
      registry,
    ),
    leader: new Gauge('ginkgo_operator_is_leader', '1 while this replica leads', registry),
    nodes: new Gauge('ginkgo_operator_nodes', 'Execution nodes by state (live, draining, overloaded, dead)', registry),
    portfolios: new Gauge('ginkgo_operator_portfolios', 'Portfolios by phase', registry),
    queueDepth: new Gauge('ginkgo_operator_queue_depth', 'Portfolios waiting to be reconciled', registry),
    failoverDetectSeconds: new Gauge(
      'ginkgo_operator_last_failover_detection_seconds',
      'Seconds from a node Lease expiry to its detection, last failover',
      registry,
    ),
    halted: new Gauge('ginkgo_operator_trading_halted', '1 while the emergency stop is on', registry),
  };
}
export type OperatorMetrics = ReturnType<typeof createOperatorMetrics>;
