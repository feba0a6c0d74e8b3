import {
  createKubeClients,
  createLogger,
  createMetricsRegistry,
  startHealthServer,
  withKeepAlive,
  type KubeClients,
  type Logger,
} from '@ginkgo/platform';
import type { OperatorConfig } from './config.js';
import { PortfolioController } from './controller.js';
import { installCrd } from './crd/install.js';
import { LeaderElector } from './leader.js';
import { createOperatorMetrics } from './metrics.js';

export interface OperatorHandle {
  readonly config: OperatorConfig;
  readonly controller: PortfolioController;
  /** Port of /livez /readyz /metrics (useful with HEALTH_PORT=0). */
  readonly healthPort: number;
  readonly isLeader: () => boolean;
  readonly ready: () => boolean;
  /** Graceful: stops reconciling, releases the leader Lease, closes watches and the health server. */
  stop(): Promise<void>;
}

/** Starts the operator in this process (main.ts, and tests without spawning). */
export async function startOperator(
  config: OperatorConfig,
  deps: {
    clients?: KubeClients;
    logger?: Logger;
    leaderLeaseName?: string;
    tickMs?: number;
    defaultMetrics?: boolean;
  } = {},
): Promise<OperatorHandle> {
  const logger = deps.logger ?? createLogger('operator', { operatorId: config.operatorId });
  // Sockets for every write in flight, the Events (eventsInFlight), the three watches and the leader Lease: a
  // renewal queued behind a burst of writes could cost the leadership.
  const clients = withKeepAlive(
    deps.clients ?? createKubeClients(config.kubeconfig),
    Math.max(64, config.concurrency + 16),
  );
  const registry = createMetricsRegistry('operator', deps.defaultMetrics ?? true);
  const metrics = createOperatorMetrics(registry);

  if (config.installCrds) await installCrd(clients, logger);

  const controller = new PortfolioController({
    clients,
    namespace: config.namespace,
    logger,
    metrics,
    concurrency: config.concurrency,
    nodeLeaseGraceMs: config.nodeLeaseGraceSeconds * 1000,
    overload: { cpu: 0.9, memory: 0.9, queueDepth: config.overloadQueueDepth },
    resyncMs: config.resyncSeconds * 1000,
    relistMs: (config.relistSeconds ?? 600) * 1000,
    handoverTimeoutMs: (config.handoverTimeoutSeconds ?? 0) * 1000,
    ...(deps.tickMs ? { tickMs: deps.tickMs } : {}),
  });
  const elector = new LeaderElector({
    clients,
    namespace: config.namespace,
    identity: config.operatorId,
    durationSeconds: config.leaderLeaseSeconds,
    logger,
    ...(deps.leaderLeaseName ? { name: deps.leaderLeaseName } : {}),
    onStart: () => {
      metrics.leader.set({}, 1);
      controller.startLeading();
    },
    onStop: () => {
      metrics.leader.set({}, 0);
      controller.stopLeading();
    },
  });
  metrics.leader.set({}, 0);
  const health = await startHealthServer({
    port: config.healthPort,
    checks: { live: () => true, ready: () => controller.synced },
    registry,
    what: 'operator health (HEALTH_PORT)',
  });
  controller.start();
  elector.start();
  logger.info({ namespace: config.namespace, healthPort: health.port }, 'operator started');

  let stopping: Promise<void> | undefined;
  return {
    config,
    controller,
    healthPort: health.port,
    isLeader: () => elector.isLeader,
    ready: () => controller.synced,
    stop: () =>
      (stopping ??= (async () => {
        await elector.stop();
        await controller.stop();
        await health.close();
        logger.info('operator stopped');
      })()),
  };
}
