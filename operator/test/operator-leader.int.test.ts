import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tradingControl } from '@ginkgo/contracts';
import { leaderLeaseName } from '../src/index.js';
import { condition, waitFor } from './kube-helpers.js';
import { useOperatorFixture } from './operator-fixture.js';

describe('operator against the real kube-apiserver: leader election, recovery, emergency stop', () => {
  const fx = useOperatorFixture('op-leader', { operator: false, before: (f) => f.node('ln', 5) });

  const logTakeover = (ms: number) => process.stdout.write(`S4.03 standby took over ${ms} ms after a graceful stop\n`);

  const leaseHolder = async () =>
    (await fx.clients.coordination.readNamespacedLease({ name: leaderLeaseName, namespace: fx.ns })).spec
      ?.holderIdentity;

  test('S4.03 one leader through the Lease; a standby takes over when it stops, and reconciles', async () => {
    const a = await fx.startOperator({ operatorId: 'op-a' });
    await waitFor('a leads', () => a.isLeader());
    const b = await fx.startOperator({ operatorId: 'op-b' });
    await waitFor('b ready (informers synced)', () => b.ready());
    expect(b.isLeader()).toBe(false);
    expect(await leaseHolder()).toBe('op-a');

    await fx.createPortfolio('le-1');
    await waitFor('assigned by a', async () => (await fx.getPortfolio('le-1'))?.status?.assignedNode === 'ln');

    // Graceful stop releases the Lease: b takes over without waiting for expiry.
    const stoppedAt = Date.now();
    await a.stop();
    // Well before the 3 s Lease could expire (speed itself is measured by the bench, not asserted here).
    await waitFor('b leads', () => b.isLeader());
    logTakeover(Date.now() - stoppedAt);
    expect(await leaseHolder()).toBe('op-b');
    await fx.createPortfolio('le-2');
    const p = await waitFor('assigned by b', async () => {
      const p = await fx.getPortfolio('le-2');
      return p?.status?.assignedNode ? p : undefined;
    });
    expect(p.status).toMatchObject({ assignedNode: 'ln', epoch: 1, phase: 'Assigned' });
  });

  test('S4.03 recovers from errors: conflicting writers (409) and a node writing its own conditions', async () => {
    const leader = fx.operators.find((o) => o.isLeader())!;
    await fx.createPortfolio('rc-1');
    await waitFor('assigned', async () => (await fx.getPortfolio('rc-1'))?.status?.assignedNode);
    // The node keeps writing phase Running + its Ready condition (keeping the operator's conditions), with
    // the resourceVersion it read: a read-modify-write that loses to any concurrent writer with a 409.
    let stop = false;
    let written = 0;
    let lastMessage = '';
    const nodeWriter = (async () => {
      while (!stop) {
        const cur = (await fx.getPortfolio('rc-1'))!;
        const conditions = (cur.status?.conditions ?? []).filter((c) => c.type !== 'Ready');
        const message = `tick ${written} ${Date.now()}`;
        conditions.push({
          type: 'Ready',
          status: 'True',
          reason: 'Running',
          message,
          lastTransitionTime: new Date().toISOString(),
        });
        const ok = await fx
          .patchPortfolio(
            'rc-1',
            { metadata: { resourceVersion: cur.metadata.resourceVersion }, status: { phase: 'Running', conditions } },
            true,
          )
          .then(
            () => true,
            () => false,
          );
        if (ok) {
          written++;
          lastMessage = message;
        }
      }
    })();
    // Meanwhile the spec changes twice: the operator must converge despite 409s.
    await fx.patchPortfolio('rc-1', { spec: { strategy: { name: 'ma-cross', params: { fast: 7 } } } });
    await fx.patchPortfolio('rc-1', { spec: { strategy: { name: 'ma-cross', params: { fast: 9 } } } });
    const p = await waitFor('converged', async () => {
      const p = await fx.getPortfolio('rc-1');
      return p?.status?.observedGeneration === 3 && condition(p, 'Accepted')?.observedGeneration === 3 ? p : undefined;
    });
    // Under CPU load the operator can converge before the node's first write got through: let it land.
    const before = written;
    await waitFor('the node wrote after the operator converged', () => written > before);
    stop = true;
    await nodeWriter;
    expect(condition(await fx.getPortfolio('rc-1'), 'Ready')?.message).toBe(lastMessage);
    // With the node quiet, one more operator write (generation 4): it must keep the node's entry as it is.
    await fx.patchPortfolio('rc-1', { spec: { strategy: { name: 'ma-cross', params: { fast: 11 } } } });
    const final = await waitFor('generation 4 processed', async () => {
      const p = await fx.getPortfolio('rc-1');
      return p?.status?.observedGeneration === 4 && condition(p, 'Accepted')?.observedGeneration === 4 ? p : undefined;
    });
    expect(condition(final, 'Ready')).toMatchObject({ status: 'True', message: lastMessage }); // the node's condition survived
    expect(final.status).toMatchObject({ phase: 'Running', assignedNode: 'ln', epoch: p.status!.epoch });
    expect(leader.isLeader()).toBe(true);
  });

  test('S8.02 emergency stop: one ConfigMap halts every portfolio; lifting it resumes', async () => {
    for (const n of ['es-1', 'es-2']) await fx.createPortfolio(n);
    const names = ['es-1', 'es-2', 'le-2'];
    await waitFor('assigned', async () =>
      (await Promise.all(names.map((n) => fx.getPortfolio(n)))).every((p) => p?.status?.assignedNode),
    );
    await fx.clients.core.createNamespacedConfigMap({
      namespace: fx.ns,
      body: { metadata: { name: tradingControl.configMapName }, data: { halted: 'true', reason: 'drill' } },
    });
    await waitFor('all Halted', async () =>
      (await Promise.all(names.map((n) => fx.getPortfolio(n)))).every(
        (p) =>
          p?.status?.phase === 'Halted' &&
          condition(p, 'Halted')?.status === 'True' &&
          condition(p, 'Halted')?.message === 'drill',
      ),
    );
    // A portfolio created during the halt is placed but halted too.
    await fx.createPortfolio('es-3');
    await waitFor('new one halted', async () => (await fx.getPortfolio('es-3'))?.status?.phase === 'Halted');
    await fx.clients.core.replaceNamespacedConfigMap({
      name: tradingControl.configMapName,
      namespace: fx.ns,
      body: { metadata: { name: tradingControl.configMapName }, data: { halted: 'false' } },
    });
    await waitFor('resumed', async () =>
      (await Promise.all([...names, 'es-3'].map((n) => fx.getPortfolio(n)))).every(
        (p) =>
          p?.status?.phase === 'Assigned' &&
          condition(p, 'Halted')?.status === 'False' &&
          p.status.assignedNode === 'ln',
      ),
    );
  });

  const mainJs = fileURLToPath(new URL('../dist/main.js', import.meta.url));
  /** The built entry point: these tests run what is deployed, so a missing build is a failure, not a skip. */
  const builtMain = () => {
    if (!existsSync(mainJs)) throw new Error(`${mainJs} is missing: run \`npx tsc -b\` before the int tests`);
    return mainJs;
  };
  /** Runs the built operator with `env` over this process's environment; `out()` is its stdout so far. */
  const runMain = (env: Record<string, string>) => {
    const child = spawn(process.execPath, [builtMain()], {
      env: { ...process.env, ...env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    return { child, out: () => stdout };
  };
  test('S4.03 node operator/dist/main.js: probes and metrics, SIGTERM releases the leader Lease', async () => {
    await Promise.all(fx.operators.map((o) => o.stop()));
    const { child, out } = runMain({
      WATCH_NAMESPACE: fx.ns,
      OPERATOR_ID: 'op-main',
      HEALTH_PORT: '0',
      LEADER_LEASE_SECONDS: '5',
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const port = await waitFor('health port in the logs', () => /"healthPort":(\d+)/.exec(out())?.[1]);
      await waitFor('leader', () => out().includes('became leader'));
      const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);
      expect((await get('/livez')).status).toBe(200);
      await waitFor('ready', async () => (await get('/readyz')).status === 200);
      const metrics = await (await get('/metrics')).text();
      expect(metrics).toContain('ginkgo_operator_is_leader{component="operator"} 1');
      expect(metrics).toContain('process_resident_memory_bytes');
      expect(await leaseHolder()).toBe('op-main');
      // Every log line is JSON.
      for (const line of out().trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(await leaseHolder()).toBeFalsy();
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('S4.03 a bad configuration lists every problem and exits 2', async () => {
    const { child, out } = runMain({ WATCH_NAMESPACE: 'No_Such', HEALTH_PORT: 'x', LEADER_LEASE_SECONDS: '-1' });
    // 'close': the exit code once stdout is drained too ('exit' may come before the last log line).
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code).toBe(2);
    for (const v of ['WATCH_NAMESPACE', 'HEALTH_PORT', 'LEADER_LEASE_SECONDS']) expect(out()).toContain(v);
  });
});
