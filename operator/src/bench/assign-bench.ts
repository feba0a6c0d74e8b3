import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { nodeLease, portfolioResource } from '@ginkgo/contracts';
import { LeaseLock, createKubeClients, createLogger, printBenchFigures, withKeepAlive } from '@ginkgo/platform';
import { mergePatch, portfolioObject, samplePortfolioSpec } from '@ginkgo/platform/testing';
import { installCrd } from '../crd/install.js';
import { AssignmentTracker } from './assignment-tracker.js';
import { rawKubeClient } from './raw-kube.js';
import { cpuSecondsOf, procStats } from './proc-stats.js';

/**
 * `npm run bench -w @ginkgo/operator` (make bench): N Portfolios (BENCH_PORTFOLIOS, default 10000) created against
 * the real kube-apiserver, time until all are assigned, the operator's peak RSS and CPU, and failover of one node.
 * The operator runs as its own process (node dist/main.js) so its RSS is its own.
 *
 * BENCH_MODE=overlap (default): the operator runs while the bench creates; the figures split the bench's creation
 * time from the assignment tail after it and give each portfolio's create -> assigned latency.
 * BENCH_MODE=preloaded: all portfolios exist before the operator starts; times the operator alone (start, list,
 * assign every one).
 * Everything lives in a namespace of its own, emptied (finalizers dropped) and finalized at the end.
 */
const N = Number(process.env.BENCH_PORTFOLIOS ?? 10000);
const NODES = Number(process.env.BENCH_NODES ?? 10);
const CREATE_CONCURRENCY = Number(process.env.BENCH_CREATE_CONCURRENCY ?? 32);
const MODE = process.env.BENCH_MODE === 'preloaded' ? 'preloaded' : 'overlap';
const logger = createLogger('operator-bench');
const clients = withKeepAlive(createKubeClients());
const { group, version, plural } = portfolioResource;
const ns = `bench-${Date.now().toString(36)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secs = (ms: number) => Math.round(ms / 100) / 10;

/** Creates pf-00000..pf-<N-1> with bounded concurrency; returns when each one's create was answered. */
async function createAll(): Promise<Map<string, number>> {
  const createdAt = new Map<string, number>();
  const raw = await rawKubeClient(clients.config);
  const path = `/apis/${group}/${version}/namespaces/${ns}/${plural}`;
  let next = 0;
  const worker = async () => {
    while (next < N) {
      const name = `pf-${String(next++).padStart(5, '0')}`;
      const body = portfolioObject(name, samplePortfolioSpec);
      for (;;) {
        const res = await raw.request('POST', path, body).catch((err: unknown) => ({ status: 0, body: String(err) }));
        if (res.status === 201 || res.status === 409) break;
        logger.warn({ name, status: res.status, body: res.body.slice(0, 300) }, 'create failed; retrying');
        await sleep(200);
      }
      createdAt.set(name, Date.now());
    }
  };
  await Promise.all(Array.from({ length: CREATE_CONCURRENCY }, worker));
  raw.close();
  return createdAt;
}

/** A port free right now, for the operator's /metrics. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** The operator's reconciles by result, from its /metrics (lost_answer: a write answered "Premature close"). */
async function reconcilesByResult(port: number): Promise<Record<string, number>> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^ginkgo_operator_reconciles_total\{[^}]*\bresult="([^"]+)"[^}]*\} (\S+)$/gm))
    out[m[1]!] = Number(m[2]);
  return out;
}

function startOperator(healthPort: number): ChildProcess {
  // BENCH_OPERATOR_MAIN: another build of the operator to compare with (default: this one).
  const mainJs = process.env.BENCH_OPERATOR_MAIN ?? fileURLToPath(new URL('../main.js', import.meta.url));
  // BENCH_OPERATOR_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", to profile the operator.
  const nodeArgs = (process.env.BENCH_OPERATOR_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return spawn(process.execPath, [...nodeArgs, mainJs], {
    env: {
      ...process.env,
      WATCH_NAMESPACE: ns,
      HEALTH_PORT: String(healthPort),
      OPERATOR_ID: 'bench',
      LOG_LEVEL: 'warn',
      NODE_LEASE_GRACE_SECONDS: '0',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]! : 0;
}

async function cleanup(): Promise<void> {
  // Drop finalizers (the operator is gone, nobody adds them back), then empty and finalize the namespace:
  // the test bed has no namespace controller, and nothing may stay Terminating in the shared apiserver.
  let cont: string | undefined;
  do {
    const page = (await clients.custom.listNamespacedCustomObject({
      group,
      version,
      namespace: ns,
      plural,
      limit: 500,
      ...(cont ? { _continue: cont } : {}),
    })) as {
      items: Array<{ metadata: { name: string; finalizers?: string[] } }>;
      metadata?: { continue?: string };
    };
    const withFinalizers = page.items.filter((p) => p.metadata.finalizers?.length);
    for (let i = 0; i < withFinalizers.length; i += 50) {
      await Promise.all(
        withFinalizers.slice(i, i + 50).map((p) =>
          clients.custom
            .patchNamespacedCustomObject(
              {
                group,
                version,
                namespace: ns,
                plural,
                name: p.metadata.name,
                body: { metadata: { finalizers: null } },
              },
              mergePatch(),
            )
            .catch(() => undefined),
        ),
      );
    }
    cont = page.metadata?.continue || undefined;
  } while (cont);
  const ignore = () => undefined;
  await clients.custom.deleteCollectionNamespacedCustomObject({ group, version, namespace: ns, plural }).catch(ignore);
  await clients.coordination.deleteCollectionNamespacedLease({ namespace: ns }).catch(ignore);
  await clients.core.deleteCollectionNamespacedEvent({ namespace: ns }).catch(ignore);
  await clients.core.deleteCollectionNamespacedConfigMap({ namespace: ns }).catch(ignore);
  await clients.core.deleteNamespace({ name: ns }).catch(ignore);
  await clients.core
    .replaceNamespaceFinalize({ name: ns, body: { metadata: { name: ns }, spec: { finalizers: [] } } })
    .catch(ignore);
  const left = (await clients.custom
    .listNamespacedCustomObject({ group, version, namespace: ns, plural, limit: 1 })
    .catch(() => ({ items: [] }))) as { items: unknown[] };
  logger.info({ namespace: ns, portfoliosLeft: left.items.length }, 'cleaned up');
}

async function main(): Promise<void> {
  await installCrd(clients, logger);
  await clients.core.createNamespace({ body: { metadata: { name: ns } } });
  let op: ChildProcess | undefined;
  let renew: NodeJS.Timeout | undefined;
  let sampler: NodeJS.Timeout | undefined;
  const tracker = new AssignmentTracker(clients, ns);
  const onSignal = () => void cleanup().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  try {
    // The nodes' Leases last 30 s while portfolios are assigned: on a loaded machine a renewal can take longer
    // than a 5 s Lease, and a lapse would fail portfolios over, counting the bench's stalls as operator writes.
    // The failover part renews them with 5 s first.
    const nodeLock = (i: number, durationSeconds: number) =>
      new LeaseLock({
        clients,
        namespace: ns,
        name: `${nodeLease.namePrefix}b${i}`,
        identity: `b${i}`,
        durationSeconds,
        labels: { [nodeLease.labelRole]: nodeLease.roleValue },
      });
    const nodes = Array.from({ length: NODES }, (_, i) => ({
      id: `b${i}`,
      lock: nodeLock(i, 30),
      alive: true,
      renewal: Promise.resolve(),
    }));
    for (const n of nodes) await n.lock.tryAcquireOrRenew();
    const renewAll = () => {
      for (const n of nodes) {
        if (!n.alive) continue;
        const run = n.lock.tryAcquireOrRenew().then(
          () => undefined,
          () => undefined,
        );
        n.renewal = n.renewal.then(() => run); // every renewal under way, not just the last one
      }
    };
    renew = setInterval(renewAll, 1500);
    await tracker.start();

    let peakRss = 0;
    let opCpu = 0;
    const sample = () => {
      const s = op?.pid ? procStats(op.pid) : undefined;
      if (s) {
        peakRss = Math.max(peakRss, s.peakRssBytes);
        opCpu = s.cpuSeconds;
      }
    };
    sampler = setInterval(sample, 250);
    const serverCpu = () => cpuSecondsOf('kube-apiserver') + cpuSecondsOf('etcd');

    let createdAt: Map<string, number>;
    let t0: number;
    let createMs: number;
    let operatorStartedAt: number | undefined;
    const healthPort = await freePort();
    const cpu0 = serverCpu();
    const benchCpu0 = process.cpuUsage();
    if (MODE === 'overlap') {
      op = startOperator(healthPort);
      await sleep(2000); // let it start and take the leader Lease, so creation overlaps reconciling
      t0 = Date.now();
      createdAt = await createAll();
      createMs = Date.now() - t0;
    } else {
      t0 = Date.now();
      createdAt = await createAll();
      createMs = Date.now() - t0;
      logger.info({ createMs }, 'all created; starting the operator');
      operatorStartedAt = Date.now();
      op = startOperator(healthPort);
    }
    logger.info({ n: N, createMs, assignedSoFar: tracker.assigned }, 'all created');
    const progress = setInterval(() => logger.info({ assigned: tracker.assigned }, 'progress'), 5000);
    await tracker.until(() => tracker.assigned >= N);
    clearInterval(progress);
    const doneAt = Math.max(...tracker.firstAssignedAt.values());
    sample();
    const cpuAtAssigned = opCpu;
    // Until all are assigned: the operator's writes that landed, and its reconciles by result.
    const writesUntilAssigned = tracker.modifications;
    const reconciles = await reconcilesByResult(healthPort).catch((err: unknown) => {
      logger.warn({ err }, 'could not read the operator metrics');
      return undefined;
    });
    const serverCpuAssigned = serverCpu() - cpu0;
    const benchCpu = process.cpuUsage(benchCpu0);
    const latencies = [...createdAt]
      .map(([name, at]) => (tracker.firstAssignedAt.get(name) ?? doneAt) - at)
      .sort((a, b) => a - b);
    const assignedBy = (ms: number) => [...tracker.firstAssignedAt.values()].filter((at) => at <= t0 + ms).length;

    // Failover: one node stops renewing (SIGKILL-like), its Lease renewed last with 5 s.
    clearInterval(renew);
    await Promise.all(nodes.map((n) => n.renewal)); // no 30 s renewal may land after the 5 s one
    for (const [i, n] of nodes.entries()) n.lock = nodeLock(i, 5);
    renewAll();
    await Promise.all(nodes.map((n) => n.renewal));
    renew = setInterval(renewAll, 1500);
    const victim = nodes[0]!;
    const onVictim = tracker.countOn(victim.id);
    victim.alive = false;
    const killedAt = Date.now();
    await tracker.until(() => tracker.countOn(victim.id) === 0 && tracker.assigned === N);
    const failoverMs = Date.now() - killedAt;
    sample();

    const result = {
      mode: MODE,
      portfolios: N,
      nodes: NODES,
      createConcurrency: CREATE_CONCURRENCY,
      reconcileConcurrency: Number(process.env.RECONCILE_CONCURRENCY ?? 32), // the operator's default
      // Bench side: first create sent -> last create answered.
      createSeconds: secs(createMs),
      ...(MODE === 'overlap'
        ? {
            // First create -> last portfolio assigned (the figure, goal <= 60 s).
            allAssignedSeconds: secs(doneAt - t0),
            // What the operator adds after the bench is done creating.
            assignTailAfterCreateSeconds: secs(doneAt - t0 - createMs),
            assignedWhenCreationEnded: assignedBy(createMs),
          }
        : {
            // Operator start (process spawn) -> every pre-existing portfolio assigned: the operator alone.
            operatorOnlySeconds: secs(doneAt - operatorStartedAt!),
            allAssignedSecondsIncludingCreate: secs(doneAt - t0),
          }),
      createToAssignedMs: {
        p50: percentile(latencies, 50),
        p95: percentile(latencies, 95),
        max: latencies.at(-1) ?? 0,
      },
      operatorPeakRssMb: Math.round(peakRss / 1024 / 1024),
      // Portfolio writes seen on the watch (status, finalizer) per portfolio, until all were assigned.
      writesPerPortfolio: Math.round((writesUntilAssigned / N) * 1000) / 1000,
      reconcilesUntilAssigned: reconciles,
      operatorCpuSecondsUntilAssigned: cpuAtAssigned,
      // Shared machine: the apiserver and etcd also serve everyone else's tests meanwhile.
      apiserverAndEtcdCpuSecondsUntilAssigned: Math.round(serverCpuAssigned * 10) / 10,
      benchCpuSecondsUntilAssigned: Math.round((benchCpu.user + benchCpu.system) / 1e5) / 10,
      failover: { portfoliosMoved: onVictim, leaseSeconds: 5, msFromLastRenewalStopToAllReassigned: failoverMs },
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    const k = N >= 1000 ? `${Math.round(N / 1000)}k` : String(N);
    const tail = MODE === 'overlap' ? (doneAt - t0 - createMs) / createMs : undefined;
    printBenchFigures([
      {
        name: `operator.assign${k}.seconds`,
        value: secs(doneAt - t0),
        unit: 's',
        better: 'lower',
        note: `${MODE}, ${NODES} nodes`,
      },
      ...(tail === undefined
        ? []
        : [
            {
              name: `operator.assign${k}.tailToCreateRatio`,
              value: Math.round(tail * 1000) / 1000,
              unit: 'ratio',
              better: 'lower' as const,
            },
          ]),
      { name: 'operator.rss.mb', value: result.operatorPeakRssMb, unit: 'MB', better: 'lower' },
      {
        name: 'operator.writesPerPortfolio',
        value: result.writesPerPortfolio,
        unit: 'writes',
        better: 'lower',
        note: 'Portfolio writes that landed, until all were assigned (Events not counted)',
      },
      ...(reconciles === undefined
        ? []
        : [
            {
              name: 'operator.prematureClose.count',
              value: reconciles.lost_answer ?? 0,
              unit: 'count',
              better: 'lower' as const,
              note: 'reconciles failed on a write answered "Premature close", until all were assigned',
            },
          ]),
      {
        name: 'failover.seconds',
        value: secs(failoverMs),
        unit: 's',
        better: 'lower',
        note: `${onVictim} portfolios, 5 s Lease, from the last renewal`,
      },
    ]);
  } finally {
    tracker.stop();
    if (renew) clearInterval(renew);
    if (sampler) clearInterval(sampler);
    if (op && op.exitCode === null) {
      op.kill('SIGTERM');
      await new Promise((r) => op!.once('exit', r));
    }
    await cleanup();
    process.removeListener('SIGINT', onSignal);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    logger.error({ err }, 'bench failed');
    process.exit(1);
  },
);
