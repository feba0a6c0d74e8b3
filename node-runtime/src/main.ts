import {
  ConfigError,
  KafkaMessageBus,
  MySqlDatabase,
  KafkaLogReader,
  createKubeClients,
  createLogger,
  withKeepAlive,
  createMetricsRegistry,
  onShutdown,
  startHealthServer,
} from '@ginkgo/platform';
import { loadNodeRuntimeConfig, type NodeRuntimeConfig } from './config.js';
import { ExecutionNode } from './execution-node.js';
import { MySqlPortfolioStateStore } from './portfolio-state-store.js';
import { KubeStatusSink } from './kube-status-sink.js';
import { AssignmentWatcher } from './assignment-watcher.js';
import { NodeLeaseKeeper } from './node-lease-keeper.js';
import { createNodeMetrics } from './node-metrics.js';
import { Watchdog } from './watchdog.js';
import { topics } from '@ginkgo/contracts';

/** Wires the real adapters (Kafka, MySQL, Kubernetes) around an ExecutionNode. */
export async function startNodeRuntime(config: NodeRuntimeConfig) {
  const logger = createLogger('node-runtime', { nodeId: config.NODE_ID });
  const registry = createMetricsRegistry('node-runtime');
  const metrics = createNodeMetrics(registry);
  // One keep-alive TLS connection pool instead of a handshake per request (client-node 1.4).
  const clients = withKeepAlive(createKubeClients(config.KUBECONFIG));
  const bus = new KafkaMessageBus({ brokers: config.KAFKA_BROKERS.split(','), clientId: `node-${config.NODE_ID}`, logger });
  const logReader = new KafkaLogReader({ brokers: config.KAFKA_BROKERS.split(','), clientId: `node-${config.NODE_ID}-reader`, logger });
  const db = new MySqlDatabase(config.MYSQL_URL);
  const stateStore = new MySqlPortfolioStateStore(db);
  let node: ExecutionNode | undefined;
  let lease: NodeLeaseKeeper | undefined;
  const health = await startHealthServer({
    port: config.HEALTH_PORT,
    what: 'node-runtime health endpoint (HEALTH_PORT)',
    registry,
    checks: { live: () => true, ready: () => Boolean(node?.ready && lease?.held) },
  });
  await stateStore.init();
  const status = new KubeStatusSink({
    clients,
    namespace: config.WATCH_NAMESPACE,
    nodeId: config.NODE_ID,
    logger,
    intervalMs: config.STATUS_INTERVAL_MS,
  });
  node = new ExecutionNode({
    nodeId: config.NODE_ID,
    markets: config.MARKETS,
    bus,
    stateStore,
    status,
    logger,
    queueCapacity: config.QUEUE_CAPACITY,
    logReader,
    metrics,
    mayTrade: () => lease?.safe ?? false,
    ...(config.REFERENCE_CLOCK === 'wall' ? { now: () => Date.now() } : {}),
  });
  // Portfolios first (with their catch-up), consumption after: see ExecutionNode.prepare.
  await node.prepare();
  const running = node;
  lease = new NodeLeaseKeeper({
    clients,
    namespace: config.WATCH_NAMESPACE,
    nodeId: config.NODE_ID,
    markets: config.MARKETS,
    durationSeconds: config.NODE_LEASE_SECONDS,
    logger,
    // Lost lease: the operator may already have moved our portfolios; stop trading them.
    onLost: () => void Promise.all(running.portfolioIds().map((id) => running.unassign(id, 'node lease lost'))),
    load: () => ({ portfolios: running.portfolioIds().length, queueDepth: running.queueDepth(), capacity: config.CAPACITY }),
  });
  await lease.start();
  const watcher = new AssignmentWatcher({
    clients,
    namespace: config.WATCH_NAMESPACE,
    nodeId: config.NODE_ID,
    target: running,
    logger,
    status,
  });
  await watcher.start();
  await watcher.idle();
  await running.consume();
  const watchdog = new Watchdog({
    workers: () => running.runningWorkers(),
    stallMs: config.WATCHDOG_STALL_MS,
    logger,
    onStall: (st) => {
      metrics.stalls.inc();
      const a = running.assignmentOf(st.portfolioId);
      if (a) void status.phase(st.portfolioId, a, 'Degraded', 'WorkerStalled', `worker stalled ${st.busyMs} ms on ${st.eventId ?? 'an event'}; queue ${st.queueDepth}`);
    },
  });
  watchdog.start();
  // Gauges and consumer lag on an interval (S5.06, S7.06, S3.07).
  const sampler = setInterval(() => {
    metrics.portfolios.set(running.portfolioIds().length);
    metrics.queueDepth.set(running.queueDepth());
    metrics.fenced.set(lease?.safe ? 0 : 1);
    for (const market of config.MARKETS) {
      for (const [kind, topic] of [['md', topics.marketData(market)], ['oe', topics.orderEvents(market)]] as const) {
        void logReader
          .groupLag(`ginkgo-node-${config.NODE_ID}-${kind}`, topic)
          .then((lags) => lags.forEach((l) => metrics.consumerLag.set({ topic, partition: String(l.partition) }, l.lag)))
          .catch(() => undefined);
      }
    }
  }, config.METRICS_INTERVAL_MS);
  sampler.unref();
  logger.info({ healthPort: health.port }, 'node-runtime ready');
  return {
    node: running,
    healthPort: health.port,
    stop: async () => {
      clearInterval(sampler);
      watchdog.stop();
      await watcher.stop();
      await running.stop();
      await status.close();
      await lease?.stop();
      await bus.close();
      await logReader.close();
      await db.close();
      await health.close();
    },
  };
}

async function main(): Promise<void> {
  let config: NodeRuntimeConfig;
  try {
    config = loadNodeRuntimeConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`node-runtime: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger('node-runtime', { nodeId: config.NODE_ID });
  try {
    const handle = await startNodeRuntime(config);
    onShutdown(logger, () => handle.stop());
  } catch (err) {
    logger.fatal({ err: String(err) }, 'node-runtime failed to start');
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) void main();
