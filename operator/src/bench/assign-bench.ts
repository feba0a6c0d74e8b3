import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { nodeLease, portfolioResource } from '@ginkgo/contracts';
import { LeaseLock, createKubeClients, createLogger, withKeepAlive } from '@ginkgo/platform';
import { installCrd } from '../crd/install.js';

/**
 * `npm run bench -w operator` (make bench): N Portfolios (BENCH_PORTFOLIOS, default 10000) created against the
 * real kube-apiserver, time until all are assigned, the operator's peak RSS, and failover time of one node.
 * The operator runs as its own process (node dist/main.js) so its RSS is its own.
 */
const N = Number(process.env.BENCH_PORTFOLIOS ?? 10000);
const NODES = Number(process.env.BENCH_NODES ?? 10);
const logger = createLogger('operator-bench');
const clients = withKeepAlive(createKubeClients());
const { group, version, plural } = portfolioResource;
const ns = `bench-${Date.now().toString(36)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function countAssigned(): Promise<{ assigned: number; byNode: Map<string, number> }> {
  let assigned = 0;
  const byNode = new Map<string, number>();
  let cont: string | undefined;
  do {
    const page = (await clients.custom.listNamespacedCustomObject({ group, version, namespace: ns, plural, limit: 2000, ...(cont ? { _continue: cont } : {}) })) as {
      items: Array<{ status?: { assignedNode?: string } }>;
      metadata?: { continue?: string };
    };
    for (const p of page.items) {
      const node = p.status?.assignedNode;
      if (node) {
        assigned++;
        byNode.set(node, (byNode.get(node) ?? 0) + 1);
      }
    }
    cont = page.metadata?.continue || undefined;
  } while (cont);
  return { assigned, byNode };
}

async function main(): Promise<void> {
  await installCrd(clients, logger);
  await clients.core.createNamespace({ body: { metadata: { name: ns } } });
  const nodes = Array.from({ length: NODES }, (_, i) => {
    const lock = new LeaseLock({ clients, namespace: ns, name: `${nodeLease.namePrefix}b${i}`, identity: `b${i}`, durationSeconds: 5, labels: { [nodeLease.labelRole]: nodeLease.roleValue } });
    return { id: `b${i}`, lock, alive: true };
  });
  for (const n of nodes) await n.lock.tryAcquireOrRenew();
  const renew = setInterval(() => {
    for (const n of nodes) if (n.alive) void n.lock.tryAcquireOrRenew().catch(() => undefined);
  }, 1500);

  const mainJs = fileURLToPath(new URL('../main.js', import.meta.url));
  const op = spawn(process.execPath, [mainJs], {
    env: { RECONCILE_CONCURRENCY: '32', ...process.env, WATCH_NAMESPACE: ns, HEALTH_PORT: '0', OPERATOR_ID: 'bench', LOG_LEVEL: 'warn', NODE_LEASE_GRACE_SECONDS: '0' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  let peakRss = 0;
  const rssTimer = setInterval(() => {
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${op.pid}/status`, 'utf8'))?.[1];
      if (hwm) peakRss = Math.max(peakRss, Number(hwm) * 1024);
    } catch {
      // process gone
    }
  }, 500);

  try {
    const t0 = Date.now();
    let next = 0;
    const create = async () => {
      while (next < N) {
        const i = next++;
        const body = {
          apiVersion: portfolioResource.apiVersion,
          kind: portfolioResource.kind,
          metadata: { name: `pf-${String(i).padStart(5, '0')}` },
          spec: { market: 'cn', initialCash: '1000000.00', strategy: { name: 'ma-cross', params: { fast: 5, slow: 20 } }, interestedCodes: ['600000.SH'] },
        };
        for (;;) {
          try {
            await clients.custom.createNamespacedCustomObject({ group, version, namespace: ns, plural, body });
            break;
          } catch (err) {
            if ((err as { code?: number }).code === 409) break;
            await sleep(200);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: 32 }, create));
    const created = Date.now() - t0;
    logger.info({ n: N, createdMs: created }, 'all created');
    let counts = await countAssigned();
    while (counts.assigned < N) {
      await sleep(1000);
      counts = await countAssigned();
      logger.info({ assigned: counts.assigned }, 'progress');
    }
    const allAssignedMs = Date.now() - t0;

    // Failover: one node stops renewing (SIGKILL-like).
    const victim = nodes[0]!;
    const onVictim = counts.byNode.get(victim.id) ?? 0;
    victim.alive = false;
    const killedAt = Date.now();
    for (;;) {
      await sleep(250);
      const c = await countAssigned();
      if (!c.byNode.get(victim.id) && c.assigned === N) break;
    }
    const failoverMs = Date.now() - killedAt;
    const result = {
      portfolios: N,
      nodes: NODES,
      createMs: created,
      allAssignedMs,
      operatorPeakRssMb: Math.round(peakRss / 1024 / 1024),
      failover: { portfoliosMoved: onVictim, leaseSeconds: 5, msFromLastRenewalStopToAllReassigned: failoverMs },
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    clearInterval(renew);
    clearInterval(rssTimer);
    op.kill('SIGTERM');
    await new Promise((r) => op.once('exit', r));
    // Drop finalizers, then the namespace.
    const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    let cont: string | undefined;
    do {
      const page = (await clients.custom.listNamespacedCustomObject({ group, version, namespace: ns, plural, limit: 500, ...(cont ? { _continue: cont } : {}) })) as {
        items: Array<{ metadata: { name: string } }>;
        metadata?: { continue?: string };
      };
      await Promise.all(page.items.map((p) => clients.custom.patchNamespacedCustomObject({ group, version, namespace: ns, plural, name: p.metadata.name, body: { metadata: { finalizers: null } } }, mergePatch).catch(() => undefined)));
      cont = page.metadata?.continue || undefined;
    } while (cont);
    // The test bed has no namespace controller: empty and finalize the namespace ourselves.
    const ignore = () => undefined;
    await clients.custom.deleteCollectionNamespacedCustomObject({ group, version, namespace: ns, plural }).catch(ignore);
    await clients.coordination.deleteCollectionNamespacedLease({ namespace: ns }).catch(ignore);
    await clients.core.deleteCollectionNamespacedEvent({ namespace: ns }).catch(ignore);
    await clients.core.deleteNamespace({ name: ns }).catch(ignore);
    await clients.core.replaceNamespaceFinalize({ name: ns, body: { metadata: { name: ns }, spec: { finalizers: [] } } }).catch(ignore);
  }
}

main().catch((err: unknown) => {
  logger.error({ err }, 'bench failed');
  process.exit(1);
});
