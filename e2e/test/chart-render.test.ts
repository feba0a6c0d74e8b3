import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { PortfolioSpec, tradingControl } from '@ginkgo/contracts';
import { MARKETS, createDefaultRegistry } from '@ginkgo/core';
import { buildPortfolioCrd } from '@ginkgo/operator';
import { loadMarketRules, type KubeClients } from '@ginkgo/platform';
import { testKube } from './support/kube.js';
import { repoRoot } from './support/processes.js';
import {
  apiMessage,
  chartDir,
  dryRunCreate,
  helm,
  installChartCrds,
  purgeNamespace,
  renderChart,
  uniqueSuffix,
  type Manifest,
} from './support/chart.js';

// Every optional feature on: the widest render the chart can produce.
const everything = [
  'monitoring.serviceMonitor.enabled=true',
  'monitoring.prometheusRule.enabled=true',
  'monitoring.grafanaDashboard.enabled=true',
  'nodeRuntime.autoscaling.enabled=true',
  'nodeRuntime.autoscaling.queueDepth.enabled=true',
  'nodeRuntime.antiAffinity=hard',
  'nodeRuntime.spool.persistent=false',
  'operator.installCrds=true',
  'networkPolicy.egress.restrict=true',
  'markets={cn,hk}',
  'livecore.paperMaxFillVolume=500',
];

// Every optional part off (a platform that brings its own service accounts, policies and backups).
const minimal = [
  'serviceAccount.create=false',
  'rbac.create=false',
  'livecore.enabled=false',
  'backup.enabled=false',
  'runtimeSettings.enabled=false',
  'networkPolicy.enabled=false',
  'operator.podDisruptionBudget.enabled=false',
  'nodeRuntime.podDisruptionBudget.enabled=false',
  'operator.releaseFinalizersOnUninstall=false',
];

const countKinds = (ms: Manifest[]) =>
  ms.reduce<Record<string, number>>((acc, m) => ({ ...acc, [m.kind]: (acc[m.kind] ?? 0) + 1 }), {});

type Container = {
  name: string;
  env?: Array<{ name: string; value?: string; valueFrom?: Record<string, Record<string, string>> }>;
};
const podSpecOf = (m: Manifest) =>
  (m.spec as { template?: { spec: { containers: Container[] } } }).template?.spec ??
  (m.spec as { jobTemplate: { spec: { template: { spec: { containers: Container[] } } } } }).jobTemplate.spec.template
    .spec;
function must<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`missing ${what}`);
  return v;
}
type EnvVar = NonNullable<Container['env']>[number];
/** env(name) of the first container; throws naming what is missing. */
const envOf =
  (m: Manifest) =>
  (name: string): EnvVar =>
    must(
      (must(podSpecOf(m).containers[0], 'container').env ?? []).find((e) => e.name === name),
      `env ${name} in ${m.kind}/${m.metadata.name}`,
    );
const byKind = (ms: Manifest[], kind: string) => ms.filter((m) => m.kind === kind);

let clients: KubeClients;
let namespace: string;

beforeAll(async () => {
  clients = testKube();
  await installChartCrds(clients);
  namespace = `chart-${uniqueSuffix()}`;
  await clients.core.createNamespace({ body: { metadata: { name: namespace } } });
}, 60_000);

afterAll(async () => {
  if (namespace) await purgeNamespace(clients, namespace);
});

describe('Helm chart charts/ginkgo-live', () => {
  test('S8.03 S8.08 helm lint --strict is clean with default and with every optional feature on', async () => {
    for (const set of [[], everything]) {
      const r = await helm(['lint', '--strict', chartDir, ...set.flatMap((s) => ['--set', s])]);
      expect({ code: r.code, out: r.stdout + r.stderr }).toMatchObject({ code: 0 });
      expect(r.stdout).toContain('0 chart(s) failed');
    }
  });

  test('S8.03 helm template renders the processes, RBAC, PDBs, policies and the backup CronJob (kinds and counts)', async () => {
    const defaults = await renderChart({ namespace });
    expect(countKinds(defaults)).toEqual({
      ServiceAccount: 5, // operator, node-runtime, livecore, backup, the post-delete hook
      Role: 3, // operator, node-runtime, the post-delete hook
      RoleBinding: 3,
      Job: 1, // post-delete hook: releases the operator's finalizer from Portfolios left after uninstall
      ConfigMap: 2, // runtime settings, backup scripts
      PersistentVolumeClaim: 1, // backups
      Service: 3,
      Deployment: 2, // operator, livecore-cn
      StatefulSet: 1, // node-runtime
      PodDisruptionBudget: 2,
      NetworkPolicy: 3,
      CronJob: 1,
    });
    const all = await renderChart({ namespace, set: everything });
    expect(countKinds(await renderChart({ namespace, set: minimal }))).toEqual({
      Deployment: 1,
      StatefulSet: 1,
      Service: 2,
    });
    expect(countKinds(all)).toMatchObject({
      Deployment: 3, // operator + a livecore per market
      HorizontalPodAutoscaler: 1,
      ServiceMonitor: 3,
      PrometheusRule: 1,
      ConfigMap: 3, // + Grafana dashboard
      ClusterRole: 1,
      ClusterRoleBinding: 1,
      PersistentVolumeClaim: 1,
    });

    // The processes get the settings their config.ts reads.
    const operator = must(
      defaults.find((m) => m.kind === 'Deployment' && m.metadata.name.endsWith('-operator')),
      'operator',
    );
    expect((operator.spec as { replicas: number }).replicas).toBe(2);
    const opEnv = envOf(operator);
    expect(opEnv('OPERATOR_ID').valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(opEnv('WATCH_NAMESPACE').value).toBe(namespace);
    expect(opEnv('INSTALL_CRDS').value).toBe('false');
    expect(opEnv('OVERLOAD_QUEUE_DEPTH').value).toBe('900'); // queueFullRatio 0.9 x queueCapacity 1000
    const node = must(byKind(defaults, 'StatefulSet')[0], 'StatefulSet');
    const nodeEnv = envOf(node);
    expect(nodeEnv('NODE_ID').valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    for (const k of ['KAFKA_BROKERS', 'REDIS_URL', 'MYSQL_URL']) {
      expect(nodeEnv(k).valueFrom).toEqual({ secretKeyRef: { name: 'ginkgo-live-connections', key: k } });
    }
    const livecore = must(
      defaults.find((m) => m.kind === 'Deployment' && m.metadata.name.endsWith('-livecore-cn')),
      'livecore',
    );
    expect(envOf(livecore)('MARKET').value).toBe('cn');
    const cron = must(byKind(defaults, 'CronJob')[0], 'CronJob');
    expect(envOf(cron)('RETENTION_DAYS').value).toBe('7');
    expect(envOf(cron)('MYSQL_URL').valueFrom).toEqual({
      secretKeyRef: { name: 'ginkgo-live-connections', key: 'MYSQL_URL' },
    });
    // The backup scripts in the ConfigMap are the files the ops tests run against MariaDB.
    const scripts = must(
      defaults.find((m) => m.kind === 'ConfigMap' && m.metadata.name.endsWith('-backup-scripts')),
      'scripts',
    );
    for (const f of ['backup.sh', 'restore.sh', 'mysql-url.sh']) {
      expect((scripts.data as Record<string, string>)[f]).toBe(
        readFileSync(path.join(chartDir, 'files', f), 'utf8').trimEnd(),
      );
    }
  });

  test('least privilege: namespaced Roles only, no Secret access, CRD rights only with operator.installCrds', async () => {
    const defaults = await renderChart({ namespace });
    expect(byKind(defaults, 'ClusterRole')).toHaveLength(0);
    const all = await renderChart({ namespace, set: everything });
    for (const role of [...byKind(all, 'Role'), ...byKind(all, 'ClusterRole')]) {
      for (const rule of role.rules as Array<{ resources: string[]; verbs: string[] }>) {
        expect(rule.resources).not.toContain('secrets');
        expect(rule.resources).not.toContain('*');
        expect(rule.verbs).not.toContain('*');
      }
    }
    const cr = must(byKind(all, 'ClusterRole')[0], 'ClusterRole');
    expect((cr.rules as Array<{ resources: string[] }>).flatMap((r) => r.resources)).toEqual([
      'customresourcedefinitions',
      'customresourcedefinitions',
    ]);
    // Each ServiceMonitor selects its component's Service (same labels, port named health).
    for (const sm of byKind(all, 'ServiceMonitor')) {
      const sel = (sm.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
      const svc = byKind(all, 'Service').filter((s) =>
        Object.entries(sel).every(([k, v]) => (s.metadata as { labels?: Record<string, string> }).labels?.[k] === v),
      );
      expect({ sm: sm.metadata.name, services: svc.length }).toEqual({ sm: sm.metadata.name, services: 1 });
      expect((svc[0]!.spec as { ports: Array<{ name: string }> }).ports.map((p) => p.name)).toContain('health');
    }
    // The operator reads the emergency-stop ConfigMap by name.
    const opRole = byKind(defaults, 'Role').find((r) => r.metadata.name.endsWith('-operator'))!;
    expect(JSON.stringify(opRole.rules)).toContain(tradingControl.configMapName);
  });

  test('S8.03 S8.08 every rendered object passes server-side dry run on the real kube-apiserver', async () => {
    for (const set of [[], everything, minimal]) {
      const manifests = await renderChart({ namespace, set });
      const refused: string[] = [];
      for (const m of manifests) {
        try {
          await dryRunCreate(clients, m, namespace);
        } catch (err) {
          refused.push(`${m.kind}/${m.metadata.name}: ${apiMessage(err)}`);
        }
      }
      expect(refused).toEqual([]);
    }
  });

  test('S8.03 S8.08 helm install --dry-run=server against the real kube-apiserver validates and prints NOTES', async () => {
    // helm builds every object against the server's OpenAPI schema (CRD types included) and renders NOTES.txt.
    const r = await helm([
      'install',
      'gl',
      chartDir,
      '--namespace',
      namespace,
      '--dry-run=server',
      ...everything.flatMap((s) => ['--set', s]),
    ]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const notes = r.stdout.slice(r.stdout.indexOf('NOTES:'));
    expect(notes).toContain(`kubectl -n ${namespace} get pf -w`);
    expect(notes).toContain('kind: Portfolio');
    expect(notes).toContain('create job --from=cronjob/gl-ginkgo-live-backup backup-now');
    // A dry run stores no release.
    const list = await helm(['list', '--namespace', namespace, '--all', '--short']);
    expect(list.stdout.trim()).toBe('');
  });

  test('the chart CRD is the generated one (make crds keeps crds/ and charts/ginkgo-live/crds/ identical)', () => {
    const top = readFileSync(path.join(repoRoot, 'crds', 'portfolios.ginkgo.live.yaml'), 'utf8');
    const copy = readFileSync(path.join(chartDir, 'crds', 'portfolios.ginkgo.live.yaml'), 'utf8');
    const fix = 'run `make crds` and commit both crds/portfolios.ginkgo.live.yaml and charts/ginkgo-live/crds/';
    if (copy !== top) throw new Error(`charts/ginkgo-live/crds/portfolios.ginkgo.live.yaml differs from crds/: ${fix}`);
    expect({ generatedFromZod: parseYaml(copy) as unknown, fix }).toEqual({
      generatedFromZod: JSON.parse(JSON.stringify(buildPortfolioCrd())),
      fix,
    });
  });

  test('one example Portfolio per built-in strategy, each accepted by the CRD validation and the engine', async () => {
    const dir = path.join(chartDir, 'examples');
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    const examples = files.map(
      (f) => parseYaml(readFileSync(path.join(dir, f), 'utf8')) as Manifest & { spec: unknown },
    );
    const registry = createDefaultRegistry();
    const strategies = examples.map((e) => (e.spec as { strategy: { name: string } }).strategy.name).sort();
    expect(strategies).toEqual([...registry.names().strategies].sort());
    for (const e of examples) {
      registry.build(PortfolioSpec.parse(e.spec)); // throws naming the field on a bad parameter
      await expect(dryRunCreate(clients, e, namespace)).resolves.toBeUndefined();
    }
    // The dry run really validates: a cn sizer volume that is not a whole lot is refused, naming the field.
    const bad = structuredClone(must(examples[0], 'example'));
    (bad.spec as { sizer: unknown }).sizer = { name: 'fixed-volume', params: { volume: 150 } };
    const err = await dryRunCreate(clients, bad, namespace).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(apiMessage(err)).toMatch(/spec/);
  });

  test('market reference data from values: one ConfigMap, mounted into node-runtime and livecore, named in REFERENCE_DATA_FILES, loaded as the processes load it', async () => {
    // The bundled A-share file with one instrument's ST status moved: what an operator edits.
    const cn = structuredClone(MARKETS.cn!.reference!);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ginkgo-refdata-'));
    const valuesFile = path.join(dir, 'values.json');
    writeFileSync(valuesFile, JSON.stringify({ referenceData: { files: { 'cn.json': JSON.stringify(cn) } } }));
    const objects = await renderChart({ namespace, values: [valuesFile] });
    const maps = objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-reference-data'));
    expect(maps).toHaveLength(1);
    const data = (maps[0] as unknown as { data: Record<string, string> }).data;
    expect(Object.keys(data)).toEqual(['cn.json']);
    type Pod = {
      metadata: { annotations?: Record<string, string> };
      spec: {
        containers: {
          env?: { name: string; value?: string }[];
          volumeMounts?: { name: string; mountPath: string }[];
        }[];
        volumes?: { name: string; configMap?: { name: string } }[];
      };
    };
    const workloads = objects.filter((o) => o.kind === 'StatefulSet' || o.kind === 'Deployment');
    const using = workloads.filter((w) => {
      const pod = (w as unknown as { spec: { template: Pod } }).spec.template;
      const env = pod.spec.containers[0]!.env ?? [];
      return env.some((e) => e.name === 'REFERENCE_DATA_FILES');
    });
    expect(using.map((w) => w.metadata.name).sort()).toEqual(
      workloads
        .filter((w) => !w.metadata.name.includes('operator'))
        .map((w) => w.metadata.name)
        .sort(),
    );
    for (const w of using) {
      const pod = (w as unknown as { spec: { template: Pod } }).spec.template;
      const c = pod.spec.containers[0]!;
      expect(c.env!.find((e) => e.name === 'REFERENCE_DATA_FILES')?.value).toBe(
        '/etc/ginkgo-live/reference-data/cn.json',
      );
      expect(c.volumeMounts).toContainEqual(
        expect.objectContaining({ name: 'reference-data', mountPath: '/etc/ginkgo-live/reference-data' }),
      );
      expect(pod.spec.volumes).toContainEqual({ name: 'reference-data', configMap: { name: maps[0]!.metadata.name } });
      // A change of the data restarts the pods (their template changes).
      expect(pod.metadata.annotations?.['checksum/reference-data']).toMatch(/^[0-9a-f]{16}$/);
    }
    // The file as mounted is what the processes load at start (the same loader, the same checks).
    writeFileSync(path.join(dir, 'cn.json'), data['cn.json']!);
    const rules = await loadMarketRules([path.join(dir, 'cn.json')]);
    expect(rules.cn!.reference).toEqual(cn);
    // Without the value: no ConfigMap, no env, the bundled data.
    const plain = await renderChart({ namespace });
    expect(plain.some((o) => o.metadata.name.endsWith('-reference-data'))).toBe(false);
  });

  test('values.schema.json refuses bad values with a message naming the field', async () => {
    const cases: Array<[string[], string]> = [
      [['operator.replicas=0'], "'/operator/replicas'"],
      [['logLevel=loud'], "'/logLevel'"],
      [['markets[0]=CN'], "'/markets/0'"],
      [['backup.retentionDays=0'], "'/backup/retentionDays'"],
      [['backup.schedule=every day'], "'/backup/schedule'"],
      [['nodeRuntime.referenceClock=local'], "'/nodeRuntime/referenceClock'"],
      [['operator.healthPort=70000'], "'/operator/healthPort'"],
      [['monitoring.alerts.queueFullRatio=1.5'], "'/monitoring/alerts/queueFullRatio'"],
      [['image.pullPolicy=Sometimes'], "'/image/pullPolicy'"],
      [['connections.existingSecret=My_Secret'], "'/connections/existingSecret'"],
      [['nodeRuntime.spool.size=lots'], "'/nodeRuntime/spool/size'"],
      [['livecore.broker=ib'], "'/livecore/broker'"],
      [['nodeRuntime.antiAffinity=strict'], "'/nodeRuntime/antiAffinity'"],
      [['operatorr.replicas=2'], "additional properties 'operatorr'"],
      [['markets=null'], "missing property 'markets'"],
      [['monitoring.serviceMonitor.interval=often'], "'/monitoring/serviceMonitor/interval'"],
      [['referenceData.files.CN=x'], "'/referenceData/files"],
    ];
    for (const [set, field] of cases) {
      const r = await helm(['template', 'gl', chartDir, ...set.flatMap((s) => ['--set', s])]);
      expect({ set, code: r.code }).toEqual({ set, code: 1 });
      expect({ set, stderr: r.stderr }).toEqual({ set, stderr: expect.stringContaining(field) });
      expect(r.stderr).toContain("values don't meet the specifications of the schema");
    }
    // A string where a number belongs is refused too.
    const r = await helm(['template', 'gl', chartDir, '--set-string', 'nodeRuntime.queueCapacity=abc']);
    expect(r.stderr).toContain("'/nodeRuntime/queueCapacity'");
  });
});
