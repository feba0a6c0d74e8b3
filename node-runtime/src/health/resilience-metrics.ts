import { Counter, Gauge, type Registry } from 'prom-client';

/** What the node exports about its dependencies (Kafka, Redis, MySQL outages): the alert rules key on these. */
export function createResilienceMetrics(registry: Registry) {
  const registers = [registry];
  return {
    dependencyUp: new Gauge({
      name: 'ginkgo_node_dependency_up',
      help: '1 while the dependency answers the node (kafka, redis, mysql, kube), 0 while it is unreachable',
      labelNames: ['dependency'],
      registers,
    }),
    redisDegraded: new Gauge({
      name: 'ginkgo_node_redis_degraded',
      help: '1 while hot-state writes to Redis fail and are kept in memory for retry',
      registers,
    }),
    hotStatePending: new Gauge({
      name: 'ginkgo_node_hot_state_pending',
      help: 'hot-state keys waiting to be written to Redis',
      registers,
    }),
    hotStateWriteFailures: new Counter({
      name: 'ginkgo_node_hot_state_write_failures_total',
      help: 'failed Redis hot-state flush attempts',
      registers,
    }),
    stateSpooling: new Gauge({
      name: 'ginkgo_node_state_spooling',
      help: '1 while MySQL state writes go to the local disk spool',
      registers,
    }),
    stateSpooled: new Gauge({
      name: 'ginkgo_node_state_spooled_entries',
      help: 'state writes in the local spool, not yet in MySQL',
      registers,
    }),
    stateSaveRetries: new Counter({
      name: 'ginkgo_node_state_save_retries_total',
      help: 'MySQL state writes retried after a connection error',
      registers,
    }),
    spoolFlushed: new Counter({
      name: 'ginkgo_node_state_spool_flushed_total',
      help: 'spooled state writes applied to MySQL',
      registers,
    }),
  };
}
export type ResilienceMetrics = ReturnType<typeof createResilienceMetrics>;
