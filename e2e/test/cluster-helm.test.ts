import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { nodeLease, portfolioResource, topics, type PortfolioResource, type PriceUpdate } from '@ginkgo/contracts';
import { KafkaMessageBus, MySqlDatabase, createLogger, type MessageProducer } from '@ginkgo/platform';
import { chartDir, uniqueSuffix } from './support/chart.js';
import {
  assertPodKafka,
  buildExampleImage,
  buildImage,
  describePods,
  helmCmd,
  kubectl,
  nodeEnv,
  pods,
  tagImage,
  type NodeEnv,
  type PodInfo,
} from './support/cluster.js';
import { uniqueCodes } from './support/isolation.js';
import { shanghaiTs } from './support/market-time.js';
import { eventually, repoRoot } from './support/processes.js';

/**
 * The chart on a real node (e2e/testbed/node.sh: containerd + kubelet + scheduler + controller-manager): the
 * image built by `make image`, `helm install` into a namespace enforcing the restricted Pod Security
 * Standard, the examples trading the feeder's tape, a rolling `helm upgrade` to a team's image (the platform
 * image plus the example strategy package, built from examples/strategy-package/Containerfile) whose strategy
 * then trades, a deleted node pod, and `helm uninstall`. Steps run in order and share the release.
 */
describe('e2e: the chart on a real Kubernetes node', () => {
  const suffix = uniqueSuffix();
  const namespace = `gl-${suffix}`;
  const release = 'gl';
  const valuesFile = path.join(repoRoot, 'e2e', 'testbed', 'cluster-values.yaml');
  const examplesDir = path.join(chartDir, 'examples');
  let env: NodeEnv;
  let db: MySqlDatabase;
  let bus: KafkaMessageBus;
  let producer: MessageProducer;
  let tagA = '';
  let tagB = '';
  let seq = 0;
  const examples: string[] = [];

  /** The platform image, and the team's image: the platform plus the example strategy package. */
  const platformImage = (tag: string) => ({ repository: 'ginkgo-live/ginkgo-live', tag, packages: [] as string[] });
  const teamImage = (tag: string) => ({ repository: 'acme/ginkgo-live', tag, packages: ['@acme/strategies'] });
  type Image = ReturnType<typeof platformImage>;
  /** `helm install|upgrade` of the release with the test bed's values and `image`; waits for the rollout. */
  const helmRelease = (verb: 'install' | 'upgrade', image: Image, timeout: string) =>
    helmCmd(env, [
      verb,
      release,
      chartDir,
      '-n',
      namespace,
      '-f',
      valuesFile,
      '--set',
      `image.repository=${image.repository}`,
      '--set',
      `image.tag=${image.tag}`,
      '--set-json',
      `strategies.packages=${JSON.stringify(image.packages)}`,
      '--set',
      'livecore.feederTape=',
      '--wait',
      '--timeout',
      timeout,
    ]);
  const k = (args: string[], input?: string) => kubectl(env, ['-n', namespace, ...args], { input });
  const portfolios = async (): Promise<PortfolioResource[]> =>
    (JSON.parse(await k(['get', 'portfolios.ginkgo.live', '-o', 'json'])) as { items: PortfolioResource[] }).items;
  const portfolio = async (name: string) => (await portfolios()).find((p) => p.metadata.name === name);
  const ourPods = () => pods(env, namespace);
  const byComponent = (ps: PodInfo[], c: string) => ps.filter((p) => p.component === c && !p.deleting);
  const ordersOf = (name: string) =>
    db.query<{ client_order_id: string; body: string; terminal: string | null }>(
      'SELECT client_order_id, body, terminal FROM gateway_order WHERE portfolio_id = ?',
      [name],
    );
  /** A tick inside the A-share morning session of the tape's day (the node runs on the source clock). */
  const tick = async (code: string, price: number, prevClose = price) => {
    seq++;
    const t: PriceUpdate = {
      type: 'price',
      eventId: `cluster-${suffix}-${seq}`,
      ts: shanghaiTs('2026-11-24', '10:00', seq),
      seq,
      market: 'cn',
      code,
      kind: 'tick',
      price,
      volume: 100000,
      prevClose,
    };
    await producer.send(topics.marketData('cn'), [{ key: code, value: JSON.stringify(t) }]);
  };
  /** Every pod of the release Ready on the node, the expected count per component (and image, as the chart names it). */
  const allReady = async (want: Record<string, number>, image?: Image) => {
    const ps = await ourPods();
    const live = ps.filter((p) => !p.deleting);
    const ok =
      Object.entries(want).every(([c, n]) => byComponent(live, c).length === n) &&
      live.length === Object.values(want).reduce((a, b) => a + b, 0) &&
      live.every((p) => p.ready && (!image || p.image === `${image.repository}:${image.tag}`));
    return ok ? live : undefined;
  };
  const want = { operator: 2, 'node-runtime': 2, livecore: 1 };
  // Two buy-and-hold portfolios of six fresh codes each (one order per code's first tick).
  const names = [1, 2].map((i) => `up${i}-${suffix}`);
  // And one more for the team's strategy.
  const codes = uniqueCodes(names.length * 6 + 1);
  const codesOf = (i: number) => codes.slice(i * 6, i * 6 + 6);
  const upgradeCodes = (i: number) => codesOf(i).slice(0, 5);

  beforeAll(async () => {
    env = nodeEnv();
    await assertPodKafka(env);
    const built = await buildImage();
    tagA = `e2e-${suffix}-a`;
    tagB = `e2e-${suffix}-b`;
    expect(await tagImage(tagA)).toBe(built.replace(/:[^:]+$/, `:${tagA}`));
    expect(await buildExampleImage('strategy-package', tagB)).toBe(`docker.io/acme/ginkgo-live:${tagB}`);
    db = new MySqlDatabase(process.env.MYSQL_URL!);
    bus = new KafkaMessageBus({
      brokers: process.env.KAFKA_BROKERS!.split(','),
      clientId: `cluster-${suffix}`,
      logger: createLogger('cluster-e2e'),
    });
    producer = await bus.producer();
  }, 25 * 60_000);

  afterAll(async () => {
    // Whatever a failed step left: the release, then the namespace (the controller-manager empties it).
    await helmCmd(env, ['uninstall', release, '-n', namespace, '--wait', '--timeout', '3m']).catch(() => undefined);
    await kubectl(env, ['delete', 'namespace', namespace, '--wait=false']).catch(() => undefined);
    await producer?.close().catch(() => undefined);
    await bus?.close().catch(() => undefined);
    await db?.close().catch(() => undefined);
  }, 5 * 60_000);

  test(
    'helm install: every pod becomes Ready through its real probes in a restricted namespace',
    async () => {
      await kubectl(env, ['create', 'namespace', namespace]);
      await kubectl(env, [
        'label',
        'namespace',
        namespace,
        'pod-security.kubernetes.io/enforce=restricted',
        'pod-security.kubernetes.io/warn=restricted',
      ]);
      await k([
        'create',
        'secret',
        'generic',
        'ginkgo-live-connections',
        `--from-literal=KAFKA_BROKERS=${env.pod.kafkaBrokers}`,
        `--from-literal=REDIS_URL=${env.pod.redisUrl}`,
        `--from-literal=MYSQL_URL=${env.pod.mysqlUrl}`,
      ]);
      const started = Date.now();
      await helmRelease('install', platformImage(tagA), '6m');
      const ready = await eventually('every pod Ready', () => allReady(want, platformImage(tagA)), 60_000).catch(
        async (err: unknown) => {
          throw new Error(`${String(err)}: ${describePods(await ourPods())}`);
        },
      );
      process.stdout.write(`helm install -> all pods Ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      for (const p of ready) {
        // Real probes on the health port, pod networking (not the host's), no restarts on the way.
        expect(p.probes).toEqual(['startup', 'liveness /livez', 'readiness /readyz']);
        expect(p.hostNetwork).toBe(false);
        expect(p.restarts).toBe(0);
      }
    },
    8 * 60_000,
  );

  test(
    'kubectl apply the examples: portfolios run on node-runtime pods, trade the feeder tape, kubectl get pf shows equity',
    async () => {
      const nodePods = new Set(byComponent(await ourPods(), 'node-runtime').map((p) => p.name));
      for (const file of readdirSync(examplesDir)
        .filter((f) => f.endsWith('.yaml'))
        .sort()) {
        const doc = parseYaml(readFileSync(path.join(examplesDir, file), 'utf8')) as { metadata: { name: string } };
        // Unique names: the node and gateway state in MySQL/Redis is keyed by portfolio name.
        doc.metadata.name = `${doc.metadata.name}-${suffix}`;
        examples.push(doc.metadata.name);
        await k(['apply', '-f', '-'], stringifyYaml(doc));
      }
      for (const name of examples) {
        await eventually(
          `${name} Running on a node-runtime pod`,
          async () => {
            const st = (await portfolio(name))?.status;
            return st?.phase === 'Running' && nodePods.has(st.runningNode ?? '') ? true : undefined;
          },
          90_000,
        );
      }
      // The feeder replays a tape when livecore starts with FEEDER_TAPE: give it the sample tape now that the
      // portfolios run (and take it away afterwards, so later livecore restarts do not replay the recorded
      // days into the portfolios of the next steps, which trade on their own ticks).
      const livecore = byComponent(await ourPods(), 'livecore')[0]!;
      const deployment = `deployment/${release}-ginkgo-live-livecore-cn`;
      await k(['set', 'env', deployment, 'FEEDER_TAPE=/app/livecore/tapes/cn-sample-3d.csv']);
      await k(['rollout', 'status', deployment, '--timeout=180s']);
      expect(byComponent(await ourPods(), 'livecore')[0]!.uid).not.toBe(livecore.uid);
      // The moving-average example trades the tape's 600000.SH / 000001.SZ: its orders reach the gateway
      // ledger, each ends in a terminal state there, and the paper exchange fills some.
      const maCross = examples.find((n) => n.startsWith('ma-cross-demo'))!;
      await eventually(
        'ma-cross orders settled by the gateway',
        async () => {
          const rows = await ordersOf(maCross);
          return rows.some((r) => r.terminal === 'FILLED') && rows.every((r) => r.terminal !== null) ? rows : undefined;
        },
        120_000,
      );
      await k(['set', 'env', deployment, 'FEEDER_TAPE-']);
      await k(['rollout', 'status', deployment, '--timeout=180s']);
      const out = await k(['get', 'pf', ...examples]);
      // kubectl aligns columns: the EQUITY value starts where its header does.
      const lines = out.trim().split('\n');
      const at = lines[0]!.indexOf('EQUITY');
      expect(at).toBeGreaterThan(0);
      for (const name of examples) {
        const row = lines.find((l) => l.startsWith(`${name} `));
        expect(row?.slice(at).split(/\s+/)[0]).toMatch(/^\d+(\.\d+)?$/);
      }
    },
    8 * 60_000,
  );

  test(
    "S8.05 helm upgrade to a new image (the team's, with its strategy package) rolls every workload, every portfolio handed over cleanly; the gateway ledger has every order exactly once",
    async () => {
      for (const [i, name] of names.entries()) {
        const spec = {
          market: 'cn',
          initialCash: '500000.00',
          strategy: { name: 'buy-and-hold' },
          sizer: { name: 'fixed-volume', params: { volume: 100 } },
          interestedCodes: codesOf(i),
        };
        await k(
          ['apply', '-f', '-'],
          JSON.stringify({
            apiVersion: portfolioResource.apiVersion,
            kind: portfolioResource.kind,
            metadata: { name },
            spec,
          }),
        );
      }
      for (const name of names) {
        await eventually(
          `${name} Running`,
          async () => ((await portfolio(name))?.status?.phase === 'Running' ? true : undefined),
          90_000,
        );
      }
      const before = await ourPods();
      const epochBefore = new Map<string, number>();
      for (const name of names) {
        epochBefore.set(name, (await portfolio(name))!.status!.epoch ?? 0);
      }
      // The last code of each portfolio is held back for the pod-kill step.
      const pending = names.flatMap((_, i) => upgradeCodes(i));
      const sendSome = async (n: number) => {
        for (const code of pending.splice(0, n)) await tick(code, 10);
      };
      await sendSome(3);
      const upgrading = helmRelease('upgrade', teamImage(tagB), '8m');
      // Ticks keep arriving while the pods are replaced one by one (each node drains on SIGTERM).
      await eventually(
        'the rollout under way',
        async () => ((await ourPods()).some((p) => p.image.endsWith(`:${tagB}`)) ? true : undefined),
        120_000,
      );
      await sendSome(3);
      await eventually(
        'a node-runtime pod replaced',
        async () =>
          byComponent(await ourPods(), 'node-runtime').some((p) => p.image.endsWith(`:${tagB}`) && p.ready)
            ? true
            : undefined,
        300_000,
      );
      await sendSome(3);
      await upgrading;
      await sendSome(pending.length);
      const after = await eventually('every pod on the new image', () => allReady(want, teamImage(tagB)), 120_000);
      // Every workload rolled: no pod of before survives.
      const oldUids = new Set(before.map((p) => p.uid));
      expect(after.filter((p) => oldUids.has(p.uid)).map((p) => p.name)).toEqual([]);
      // The ledger: one order per tick, each for its portfolio's own code, all filled; none lost, none doubled.
      for (const [i, name] of names.entries()) {
        const rows = await eventually(
          `${name}: one filled order per code`,
          async () => {
            const r = await ordersOf(name);
            return r.length >= upgradeCodes(i).length && r.every((x) => x.terminal === 'FILLED') ? r : undefined;
          },
          120_000,
        );
        const tradedCodes = rows.map((r) => (JSON.parse(r.body) as { code: string }).code).sort();
        expect(tradedCodes).toEqual([...upgradeCodes(i)].sort());
        // Handed over cleanly: moved (its node's pod was replaced) under a higher epoch, and no move fell back on
        // the handover timeout.
        const now = (await portfolio(name))!.status!;
        expect(now.phase).toBe('Running');
        expect(now.epoch ?? 0).toBeGreaterThan(epochBefore.get(name)!);
      }
      const timedOut = JSON.parse(
        await k(['get', 'events', '--field-selector', 'reason=HandoverTimedOut', '-o', 'json']),
      ) as { items: { involvedObject?: { name?: string } }[] };
      expect(timedOut.items.map((e) => e.involvedObject?.name)).toEqual([]);
    },
    15 * 60_000,
  );

  test(
    "the team's strategy on the upgraded pods: every node advertises the package, its example Portfolio trades on its signal",
    async () => {
      // Each node-runtime pod loaded the package from the image (STRATEGY_PACKAGES from the chart's value).
      for (const p of byComponent(await ourPods(), 'node-runtime')) {
        const lease = JSON.parse(await k(['get', 'lease', `${nodeLease.namePrefix}${p.name}`, '-o', 'json'])) as {
          metadata: { annotations?: Record<string, string> };
        };
        const adverts = JSON.parse(lease.metadata.annotations?.[nodeLease.componentsAnnotation] ?? '[]') as unknown[];
        expect(adverts).toContainEqual(
          expect.objectContaining({ kind: 'strategy', name: '@acme/strategies/vwap-reversion', version: '1.0.0' }),
        );
      }
      const doc = parseYaml(readFileSync(path.join(repoRoot, 'examples/strategy-package/portfolio.yaml'), 'utf8')) as {
        metadata: { name: string };
        spec: { interestedCodes: string[]; strategy: { params: Record<string, number> } };
      };
      const name = `${doc.metadata.name}-${suffix}`;
      const code = codes[codes.length - 1]!;
      doc.metadata.name = name;
      doc.spec.interestedCodes = [code];
      doc.spec.strategy.params = { entryBps: 10, trend: 2 };
      await k(['apply', '-f', '-'], stringifyYaml(doc));
      await eventually(
        `${name} Running`,
        async () => ((await portfolio(name))?.status?.phase === 'Running' ? true : undefined),
        90_000,
      );
      // Equal volumes: the VWAP is the mean price. 10.90 then 9.20: no signal (below its 2-tick SMA). 10.00: under
      // the VWAP (10.03) by more than 10 bps and above the SMA (9.60): a limit buy at 10.00 for 100,000.00.
      for (const price of [1090, 920, 1000]) await tick(code, price, 1000);
      const rows = await eventually(
        `${name}: its order filled`,
        async () => {
          const r = await ordersOf(name);
          return r.length > 0 && r.every((x) => x.terminal === 'FILLED') ? r : undefined;
        },
        120_000,
      );
      expect(
        rows.map((r) => JSON.parse(r.body) as { code: string; side: string; volume: number; price: number }),
      ).toEqual([expect.objectContaining({ code, side: 'BUY', volume: 10000, price: 1000 })]);
      await k(['delete', 'portfolio', name, '--wait=true', '--timeout=60s']);
    },
    5 * 60_000,
  );

  test(
    'kubectl delete pod of a node-runtime pod: its portfolios fail over and keep trading',
    async () => {
      const name = names[0]!;
      const st = (await portfolio(name))!.status!;
      const victim = st.runningNode!;
      const epoch = st.epoch ?? 0;
      await k(['delete', 'pod', victim, '--wait=false']);
      await eventually(
        `${name} running again with a new epoch`,
        async () => {
          const s = (await portfolio(name))?.status;
          return s?.phase === 'Running' && (s.epoch ?? 0) > epoch ? s : undefined;
        },
        180_000,
      );
      // It trades after the move (the held-back code), and nothing it traded before is traded again.
      await tick(codesOf(0)[5]!, 10);
      const rows = await eventually(
        `${name}: the held-back code traded`,
        async () => {
          const r = await ordersOf(name);
          return r.length >= 6 && r.every((x) => x.terminal === 'FILLED') ? r : undefined;
        },
        120_000,
      );
      expect(rows.map((r) => (JSON.parse(r.body) as { code: string }).code).sort()).toEqual([...codesOf(0)].sort());
      await eventually('every pod Ready again', () => allReady(want), 180_000);
    },
    8 * 60_000,
  );

  test(
    'helm uninstall: no Portfolio is left stuck on a finalizer',
    async () => {
      await helmCmd(env, ['uninstall', release, '-n', namespace, '--wait', '--timeout', '5m']);
      await eventually(
        'the release pods gone',
        async () => ((await ourPods()).length === 0 ? true : undefined),
        120_000,
      );
      const left = await portfolios();
      expect(left.length).toBeGreaterThan(0);
      expect(
        left
          .filter((p) => (p.metadata.finalizers ?? []).includes(portfolioResource.finalizer))
          .map((p) => p.metadata.name),
      ).toEqual([]);
      // Deleting them without any operator completes at once.
      await k(['delete', 'portfolios.ginkgo.live', '--all', '--wait=true', '--timeout=60s']);
      expect(await portfolios()).toEqual([]);
    },
    8 * 60_000,
  );
});
