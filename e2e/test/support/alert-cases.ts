/**
 * The alert cases of ops-alert-rules.test.ts (S8.08), one per alert of the chart: input series for
 * `promtool test rules` that turn the alert's expression true at `onset` minutes, and the labels it must fire
 * with. Metric names are the ones our processes register (or the documented external exporters).
 */
/** The release's namespace and full name in the rendered chart the cases are written for. */
export const NS = 'ginkgo';
const FULL = 'gl-ginkgo-live';

export interface Series {
  series: string;
  values: string;
}
/** One alert's case: input series (1 sample a minute) that turn the expression true at `onset` minutes. */
export interface AlertCase {
  series: Series[];
  onset: number;
  labels: Record<string, string>;
  /** Values for the annotation templates. */
  value?: string;
}
export const sel = (name: string, labels: Record<string, string>) =>
  `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`;
export const ns = { namespace: NS };
/** Healthy for ten minutes (t = 0..9m), then bad. */
export const CASES: Record<string, AlertCase> = {
  GinkgoNodeLeaseLost: {
    series: [
      { series: sel('ginkgo_operator_nodes', { ...ns, state: 'dead' }), values: '0x9 1x60' },
      { series: sel('ginkgo_operator_nodes', { ...ns, state: 'live' }), values: '3x70' },
    ],
    onset: 10,
    labels: { severity: 'critical' },
    value: '1',
  },
  GinkgoPortfolioQueueNearlyFull: {
    series: [{ series: sel('ginkgo_operator_nodes', { ...ns, state: 'overloaded' }), values: '0x9 1x60' }],
    onset: 10,
    labels: { severity: 'warning' },
  },
  GinkgoPortfoliosDegraded: {
    series: [
      { series: sel('ginkgo_operator_portfolios', { ...ns, phase: 'Degraded' }), values: '0x9 2x60' },
      { series: sel('ginkgo_operator_portfolios', { ...ns, phase: 'Running' }), values: '40x70' },
    ],
    onset: 10,
    labels: { severity: 'warning' },
  },
  GinkgoOperatorNoLeader: {
    series: [{ series: sel('ginkgo_operator_is_leader', { ...ns, pod: 'op-0' }), values: '1x9 0x60' }],
    onset: 10,
    labels: { severity: 'critical' },
  },
  GinkgoReconcileErrors: {
    series: [
      { series: sel('ginkgo_operator_reconciles_total', { ...ns, result: 'error' }), values: '0x9 1+1x60' },
      { series: sel('ginkgo_operator_reconciles_total', { ...ns, result: 'ok' }), values: '0+10x70' },
    ],
    onset: 10,
    labels: { severity: 'warning' },
  },
  GinkgoTradingHalted: {
    series: [{ series: sel('ginkgo_operator_trading_halted', ns), values: '0x9 1x60' }],
    onset: 10,
    labels: { severity: 'info' },
  },
  GinkgoProcessMemoryGrowing: {
    // 10 MB a minute from the start: the 1h derivative is positive from the second sample on.
    series: [
      {
        series: sel('process_resident_memory_bytes', { ...ns, component: 'node-runtime', pod: 'node-0' }),
        values: '100000000+10000000x70',
      },
    ],
    onset: 1,
    labels: { severity: 'warning', component: 'node-runtime', namespace: NS, pod: 'node-0' },
  },
  GinkgoNodeQueueFull: {
    series: [
      { series: sel('ginkgo_node_queue_depth', { ...ns, pod: 'node-0' }), values: '10x9 100x60' },
      { series: sel('ginkgo_node_queue_capacity', { ...ns, pod: 'node-0' }), values: '100x70' },
    ],
    onset: 10,
    labels: { severity: 'warning', pod: 'node-0' },
  },
  GinkgoNodeConsumerLagHigh: {
    series: [
      {
        series: sel('ginkgo_node_consumer_lag', { ...ns, pod: 'node-0', topic: 'market.data.cn', partition: '0' }),
        values: '0x9 5000x60',
      },
    ],
    onset: 10,
    labels: { severity: 'warning', action: 'scale-out', pod: 'node-0', topic: 'market.data.cn' },
    value: '5000',
  },
  GinkgoWorkerStalled: {
    series: [{ series: sel('ginkgo_node_worker_stalls_total', { ...ns, pod: 'node-0' }), values: '0x9 1x60' }],
    onset: 10,
    labels: { severity: 'critical', namespace: NS, pod: 'node-0' },
  },
  GinkgoDependencyDown: {
    series: [
      { series: sel('ginkgo_node_dependency_up', { ...ns, pod: 'node-0', dependency: 'kafka' }), values: '1x9 0x60' },
    ],
    onset: 10,
    labels: { severity: 'critical', pod: 'node-0', dependency: 'kafka' },
    value: '0',
  },
  GinkgoEventLoopLagHigh: {
    series: [
      {
        series: sel('nodejs_eventloop_lag_p99_seconds', { ...ns, component: 'livecore', pod: 'lc-0' }),
        values: '0.01x9 0.5x60',
      },
    ],
    onset: 10,
    labels: { severity: 'warning', pod: 'lc-0' },
  },
  GinkgoTargetDown: {
    series: [
      { series: sel('up', { ...ns, service: `${FULL}-node-runtime`, pod: 'node-0', job: 'node' }), values: '1x9 0x60' },
    ],
    onset: 10,
    labels: { severity: 'critical', namespace: NS, service: `${FULL}-node-runtime`, pod: 'node-0', job: 'node' },
  },
  GinkgoOrderRejectionRateHigh: {
    series: [
      { series: sel('ginkgo_gateway_orders_accepted_total', { ...ns, market: 'cn' }), values: '0+100x70' },
      {
        series: sel('ginkgo_gateway_orders_rejected_total', { ...ns, market: 'cn', reason: 'cash' }),
        values: '0x9 0+100x60',
      },
    ],
    onset: 11,
    labels: { severity: 'warning' },
  },
  GinkgoTickToOrderLatencyHigh: {
    // Every reaction within 10 ms for ten minutes, then all of them between 10 and 100 ms.
    series: [
      { series: sel('ginkgo_node_tick_to_order_seconds_bucket', { ...ns, le: '0.01' }), values: '0+10x9 90x60' },
      { series: sel('ginkgo_node_tick_to_order_seconds_bucket', { ...ns, le: '0.1' }), values: '0+10x9 90+100x60' },
      { series: sel('ginkgo_node_tick_to_order_seconds_bucket', { ...ns, le: '+Inf' }), values: '0+10x9 90+100x60' },
    ],
    onset: 11,
    labels: { severity: 'warning' },
  },
  GinkgoKafkaConsumerLagHigh: {
    series: [
      {
        series: sel('kafka_consumergroup_lag', {
          consumergroup: 'ginkgo-node-n1-md',
          topic: 'market.data.cn',
          partition: '0',
        }),
        values: '0x9 5000x60',
      },
    ],
    onset: 10,
    labels: { severity: 'warning', consumergroup: 'ginkgo-node-n1-md', topic: 'market.data.cn' },
    value: '5000',
  },
  GinkgoRedisMemoryHigh: {
    series: [
      { series: sel('redis_memory_used_bytes', { instance: 'redis:9121' }), values: '100x9 950x60' },
      { series: sel('redis_memory_max_bytes', { instance: 'redis:9121' }), values: '1000x70' },
    ],
    onset: 10,
    labels: { severity: 'warning', instance: 'redis:9121' },
  },
  GinkgoSpoolDiskLow: {
    series: [
      {
        series: sel('kubelet_volume_stats_available_bytes', {
          ...ns,
          persistentvolumeclaim: `spool-${FULL}-node-runtime-0`,
        }),
        values: '500x9 100x60',
      },
      {
        series: sel('kubelet_volume_stats_capacity_bytes', {
          ...ns,
          persistentvolumeclaim: `spool-${FULL}-node-runtime-0`,
        }),
        values: '1000x70',
      },
    ],
    onset: 10,
    labels: { severity: 'critical', namespace: NS, persistentvolumeclaim: `spool-${FULL}-node-runtime-0` },
  },
};
