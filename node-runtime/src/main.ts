import { loadMarketRules, referenceDataPaths } from '@ginkgo/platform';
import {
  loadConfigOrExit,
  DiskSpaceMonitor,
  KafkaMessageBus,
  RedisHotStateStore,
  RedisMemoryMonitor,
  createKafkaProbe,
  waitForDependencies,
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
import { MySqlPortfolioStateStore } from './state/portfolio-state-store.js';
import { KubeStatusSink } from './status/kube-status-sink.js';
import { AssignmentWatcher } from './membership/assignment-watcher.js';
import { NodeLeaseKeeper } from './membership/node-lease-keeper.js';
import { createNodeMetrics, portfolioFigures } from './health/node-metrics.js';
import { Watchdog } from './health/watchdog.js';
import { nodeConditionReason, topics } from '@ginkgo/contracts';
import { createResilienceMetrics } from './health/resilience-metrics.js';
import { HotStateWriter } from './state/hot-state-writer.js';
import { HotStateStatusSink, hotKeys } from './state/hot-state-status-sink.js';
import { LastPriceTap } from './routing/market-data-tap.js';
import { StateSpool } from './state/state-spool.js';
import { SpoolingStateStore } from './state/spooling-state-store.js';
import { DependencyMonitor } from './health/dependency-monitor.js';
import { loadStrategyPackages, parsePackageList } from './strategy-packages.js';
import { nodeRegistry } from './fault-injection.js';
import { defaultWorkerThreads } from './shards/given-cores.js';
import { nodeShardSetupRef } from './shards/node-shard-setup.js';
import { ThreadedWorkerHost } from './shards/threaded-worker-host.js';
import type { WorkerHandle } from './worker/worker-handle.js';

/** host:port of a connection URL, for messages (never the credentials). */
const endpoint = (url: string) => {
  try {
    return new URL(url).host;
  } catch {
    return 'unparsable URL';
  }
};

/** Wires the real adapters (Kafka, MySQL, Kubernetes) around an ExecutionNode. */
export async function startNodeRuntime(config: NodeRuntimeConfig) {
  const logger = createLogger('node-runtime', { nodeId: config.NODE_ID });
  // Before any connection: a strategy package that does not load stops the process with the reason.
  const components = await loadStrategyPackages(parsePackageList(config.STRATEGY_PACKAGES), nodeRegistry());
  for (const p of components.loaded)
    logger.info({ package: p.name, version: p.version, components: p.components }, 'strategy package loaded');
  // Read before anything connects: a bad reference-data file stops the start with the file and field named.
  const marketRules = await loadMarketRules(referenceDataPaths(config.REFERENCE_DATA_FILES));
  const registry = createMetricsRegistry('node-runtime');
  const metrics = createNodeMetrics(registry);
  const resilience = createResilienceMetrics(registry);
  const brokers = config.KAFKA_BROKERS.split(',');
  // One keep-alive TLS connection pool instead of a handshake per request (client-node 1.4).
  const clients = withKeepAlive(createKubeClients(config.KUBECONFIG));
  const db = new MySqlDatabase(config.MYSQL_URL);
  // Redis connects in the background and reconnects with backoff; the node never waits on it to trade.
  const hotStore = new RedisHotStateStore(config.REDIS_URL);
  hotStore.client.connect().catch(() => undefined);
  const kafkaProbe = createKafkaProbe(brokers, `node-${config.NODE_ID}-probe`);
  let node: ExecutionNode<WorkerHandle> | undefined;
  let lease: NodeLeaseKeeper | undefined;
  let watcher: AssignmentWatcher | undefined;
  const health = await startHealthServer({
    port: config.HEALTH_PORT,
    what: 'node-runtime health endpoint (HEALTH_PORT)',
    registry,
    // Readiness: consuming and the Lease held. Redis down (degraded) or MySQL spooling keep it true: trading goes on.
    checks: { live: () => true, ready: () => Boolean(node?.ready && lease?.held) },
  });
  const abandon = async () => {
    hotStore.client.disconnect();
    await db.close().catch(() => undefined);
    await health.close();
  };
  try {
    // Readiness stays false until every dependency answered; at the timeout the error names them.
    await waitForDependencies(
      [
        { name: `Kafka (${config.KAFKA_BROKERS})`, probe: kafkaProbe },
        { name: `MySQL (${endpoint(config.MYSQL_URL)})`, probe: () => db.query('SELECT 1') },
        {
          name: `Kubernetes API server (namespace ${config.WATCH_NAMESPACE})`,
          probe: () => clients.coordination.listNamespacedLease({ namespace: config.WATCH_NAMESPACE, limit: 1 }),
        },
        // Hot state only: the node may trade without it (degraded), so it does not block the start.
        {
          name: `Redis (${endpoint(config.REDIS_URL)})`,
          probe: async () => {
            if (!(await hotStore.ping())) throw new Error('no PONG');
          },
          optional: true,
        },
      ],
      { timeoutMs: config.DEPENDENCY_TIMEOUT_MS, logger },
    );
  } catch (err) {
    await abandon();
    throw err;
  }
  const bus = new KafkaMessageBus({
    brokers,
    clientId: `node-${config.NODE_ID}`,
    logger,
    topicWaitMs: config.KAFKA_TOPIC_WAIT_MS,
  });
  const logReader = new KafkaLogReader({ brokers, clientId: `node-${config.NODE_ID}-reader`, logger });
  const mysqlStore = new MySqlPortfolioStateStore(db);
  await mysqlStore.init();
  const spool = await StateSpool.open(config.SPOOL_DIR, config.NODE_ID);
  const stateStore = new SpoolingStateStore(mysqlStore, spool, {
    logger,
    metrics: resilience,
    retries: config.STATE_SAVE_ATTEMPTS,
    retryBaseMs: config.STATE_RETRY_BASE_MS,
    flushIntervalMs: config.SPOOL_FLUSH_INTERVAL_MS,
  });
  // Writes a previous run spooled reach MySQL before any state is loaded from it.
  if (spool.size > 0) {
    await stateStore
      .flush()
      .catch((err: unknown) =>
        logger.error({ err }, 'spool left by the previous run not flushed yet: states are served from it'),
      );
  }
  stateStore.start();
  const hot = new HotStateWriter({
    store: hotStore,
    logger,
    metrics: resilience,
    intervalMs: config.HOT_STATE_INTERVAL_MS,
  });
  hot.start();
  const prices = new LastPriceTap((topic) => config.MARKETS.some((m) => topic === topics.marketData(m)));
  const kubeStatus = new KubeStatusSink({
    clients,
    namespace: config.WATCH_NAMESPACE,
    nodeId: config.NODE_ID,
    logger,
    intervalMs: config.STATUS_INTERVAL_MS,
  });
  const status = new HotStateStatusSink(kubeStatus, hot, {
    nodeId: config.NODE_ID,
    ttlSeconds: config.HOT_STATE_TTL_SECONDS,
  });
  // Portfolios on worker threads: each thread loads the same strategy packages and reference data.
  const threads = config.NODE_WORKER_THREADS ?? defaultWorkerThreads();
  const workerHost =
    threads > 0
      ? await ThreadedWorkerHost.create({
          threads,
          nodeId: config.NODE_ID,
          setup: nodeShardSetupRef({
            strategyPackages: parsePackageList(config.STRATEGY_PACKAGES),
            referenceDataFiles: config.REFERENCE_DATA_FILES,
          }),
          logger,
          // Its portfolios cannot go on in this process; after a restart they resume from their saved state.
          onFatal: (err) => {
            logger.fatal({ err }, 'a worker thread died: the node exits');
            process.exit(70);
          },
        })
      : undefined;
  logger.info(
    { workerThreads: threads },
    threads > 0 ? 'portfolios on worker threads' : 'portfolios on the main thread',
  );
  node = new ExecutionNode<WorkerHandle>({
    ...(workerHost ? { workerHost } : {}),
    nodeId: config.NODE_ID,
    markets: config.MARKETS,
    bus: prices.wrap(bus),
    stateStore,
    status,
    logger,
    queueCapacity: config.QUEUE_CAPACITY,
    marketRules,
    logReader,
    metrics,
    registry: components.registry,
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
    components: components.registry.describe(),
    durationSeconds: config.NODE_LEASE_SECONDS,
    logger,
    // Lost lease: the operator may already have moved our portfolios; stop trading them.
    onLost: () => void Promise.all(running.portfolioIds().map((id) => running.unassign(id, 'node lease lost'))),
    // Regained: what is still assigned here runs again (the watch sees no change for it).
    onRegained: () => void watcher?.resync(),
    load: () => ({
      portfolios: running.portfolioIds().length,
      queueDepth: running.queueDepth(),
      capacity: config.CAPACITY,
    }),
  });
  await lease.start();
  watcher = new AssignmentWatcher({
    relistMs: config.ASSIGNMENT_RELIST_SECONDS * 1000,
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
      if (a)
        void status.phase(
          st.portfolioId,
          a,
          'Degraded',
          nodeConditionReason.WorkerStalled,
          `worker stalled ${st.busyMs} ms on ${st.eventId ?? 'an event'}; queue ${st.queueDepth}`,
        );
    },
    // Past the stalled event: trading again, so Running again (a stopped worker's phase is written elsewhere).
    onRecovered: (r) => {
      const a = r.running ? running.assignmentOf(r.portfolioId) : undefined;
      if (a) void status.phase(r.portfolioId, a, 'Running', nodeConditionReason.Running);
    },
  });
  watchdog.start();
  // Outage alerts: each dependency probed on an interval; clients keep retrying with backoff.
  const dependencies = new DependencyMonitor({
    logger,
    metrics: resilience,
    probes: [
      { name: 'kafka', check: () => kafkaProbe().then(() => true) },
      { name: 'redis', check: () => hotStore.ping() },
      { name: 'mysql', check: () => db.query('SELECT 1').then(() => true) },
      { name: 'kube', check: () => Boolean(lease?.safe) },
    ],
  });
  dependencies.start(config.DEPENDENCY_CHECK_INTERVAL_MS);
  // Redis memory and keys without TTL; free space where the spool writes.
  const redisMemory = new RedisMemoryMonitor({
    client: hotStore.client,
    registry,
    logger,
    keyPattern: 'ginkgo:*',
    ...(config.REDIS_MEMORY_ALERT_BYTES !== undefined ? { maxBytes: config.REDIS_MEMORY_ALERT_BYTES } : {}),
  });
  redisMemory.start(config.MONITOR_INTERVAL_MS);
  const disk = new DiskSpaceMonitor({ paths: [config.SPOOL_DIR], registry, logger });
  disk.start(config.MONITOR_INTERVAL_MS);
  // Hot state: node status and last prices, next to the portfolio summaries the status sink puts.
  const hotTimer = setInterval(() => {
    hot.put(
      hotKeys.node(config.NODE_ID),
      {
        nodeId: config.NODE_ID,
        markets: config.MARKETS,
        portfolios: running.portfolioIds(),
        queueDepth: running.queueDepth(),
        ready: Boolean(running.ready && lease?.held),
        fenced: !lease?.safe,
        degraded: { redis: hot.degraded, mysqlSpooling: stateStore.spooling, kafka: !dependencies.isUp('kafka') },
        updatedAt: Date.now(),
      },
      config.HOT_STATE_TTL_SECONDS,
    );
    for (const p of prices.drain()) hot.put(hotKeys.price(p.market, p.code), p, config.HOT_STATE_TTL_SECONDS);
  }, config.HOT_STATE_INTERVAL_MS);
  hotTimer.unref();
  // Consumer lag on an interval; the node's own gauges are read at scrape time.
  metrics.readFrom({
    portfolios: () => running.portfolioIds().length,
    queueDepth: () => running.queueDepth(),
    queueCapacity: () => config.QUEUE_CAPACITY,
    fenced: () => !lease?.safe,
    portfolioFigures: () => running.runningWorkers().map(portfolioFigures),
  });
  const sampler = setInterval(() => {
    for (const market of config.MARKETS) {
      for (const [kind, topic] of [
        ['md', topics.marketData(market)],
        ['oe', topics.orderEvents(market)],
      ] as const) {
        void logReader
          .groupLag(`ginkgo-node-${config.NODE_ID}-${kind}`, topic)
          .then((lags) =>
            lags.forEach((l) => metrics.consumerLag.set({ topic, partition: String(l.partition) }, l.lag)),
          )
          .catch(() => undefined);
      }
    }
  }, config.METRICS_INTERVAL_MS);
  sampler.unref();
  logger.info({ healthPort: health.port }, 'node-runtime ready');
  return {
    node: running,
    healthPort: health.port,
    registry,
    stateStore,
    hot,
    dependencies,
    stop: async () => {
      clearInterval(sampler);
      clearInterval(hotTimer);
      dependencies.stop();
      redisMemory.stop();
      disk.stop();
      watchdog.stop();
      await watcher.stop();
      await running.stop();
      await kubeStatus.close();
      await lease?.stop();
      await bus.close();
      await logReader.close();
      // Last chance for spooled writes; what stays is flushed at the next start.
      await stateStore
        .flush()
        .catch((err: unknown) =>
          logger.error(
            { err, spool: spool.path, entries: spool.size },
            'MySQL still unreachable at stop: spool kept for the next start',
          ),
        );
      await stateStore.close();
      await spool.close();
      await hot.close();
      hotStore.client.disconnect();
      await db.close();
      await health.close();
    },
  };
}

async function main(): Promise<void> {
  const config = loadConfigOrExit('node-runtime', () => loadNodeRuntimeConfig());
  const logger = createLogger('node-runtime', { nodeId: config.NODE_ID });
  try {
    const handle = await startNodeRuntime(config);
    onShutdown(logger, () => handle.stop());
  } catch (err) {
    logger.fatal({ err }, 'node-runtime failed to start');
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) void main();
