import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { Registry } from 'prom-client';
import { createMetricsRegistry } from '@ginkgo/platform';
import { createOperatorMetrics } from '@ginkgo/operator';
import { createNodeMetrics, createResilienceMetrics } from '@ginkgo/node-runtime';
import { createGatewayMetrics } from '@ginkgo/livecore';
import { chartDir, renderChart, run, type Manifest } from './support/chart.js';
import { repoRoot } from './support/processes.js';
import { CASES, NS, ns, sel, type AlertCase, type Series } from './support/alert-cases.js';

/**
 * S8.08: the chart's alert rules and dashboard, checked by Prometheus's own tool. `promtool check rules`
 * parses every rule; `promtool test rules` feeds input series to the rendered rules and asserts that each alert
 * fires with its labels and annotations exactly when its `for:` has passed, and not a minute before. Input
 * series use only metric names our processes register (or the documented external exporters), so an
 * expression on a name nobody exports cannot fire and fails its test.
 */

/** The promtool of the Debian prometheus package the test bed installs (e2e/testbed/prometheus.sh). */
function promtoolBin(): string {
  const prometheus = execFileSync('bash', [path.join(repoRoot, 'e2e', 'testbed', 'prometheus.sh')], {
    encoding: 'utf8',
    timeout: 10 * 60_000,
  })
    .trim()
    .split('\n')
    .pop()!;
  return path.join(path.dirname(prometheus), 'promtool');
}

/** Metrics of the external exporters the `ginkgo-live.external` group is documented to need. */
const EXTERNAL = new Set([
  'kafka_consumergroup_lag',
  'redis_memory_used_bytes',
  'redis_memory_max_bytes',
  'kubelet_volume_stats_available_bytes',
  'kubelet_volume_stats_capacity_bytes',
]);

/** Every name the operator, node-runtime and livecore registries export (with prom-client's process metrics), plus `up`. */
async function exportedNames(): Promise<Set<string>> {
  const names = new Set<string>(['up']);
  const defaults = createMetricsRegistry('rules-test');
  const own = new Registry();
  createOperatorMetrics(own);
  createNodeMetrics(own);
  createResilienceMetrics(own);
  createGatewayMetrics(own);
  for (const r of [defaults, own]) {
    for (const m of await r.getMetricsAsJSON()) {
      names.add(m.name);
      if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(`${m.name}${s}`);
    }
  }
  return names;
}

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
type Groups = Array<{ name: string; rules: Rule[] }>;

async function rules(set: string[] = []): Promise<Groups> {
  const ms = await renderChart({
    release: 'gl',
    namespace: NS,
    set: ['monitoring.prometheusRule.enabled=true', ...set],
  });
  const pr = ms.filter((m) => m.kind === 'PrometheusRule') as Array<Manifest & { spec: { groups: Groups } }>;
  expect(pr).toHaveLength(1);
  return pr[0]!.spec.groups;
}

const minutes = (d: string | undefined) =>
  d === undefined ? 0 : Number(d.slice(0, -1)) * ({ s: 1 / 60, m: 1, h: 60 } as Record<string, number>)[d.slice(-1)]!;
/** Expands `{{ $value }}` and `{{ $labels.x }}` as Prometheus does for these simple templates. */
const expand = (text: string, c: AlertCase) =>
  text
    .replace(/\{\{\s*\$value\s*\}\}/g, c.value ?? '1')
    .replace(/\{\{\s*\$labels\.(\w+)\s*\}\}/g, (_, l: string) => c.labels[l] ?? '');

/** A promtool unit test per alert: silent one minute before `for:` has passed, firing exactly when it has. */
function unitTests(groups: Groups) {
  return groups.flatMap((g) =>
    g.rules.map((r) => {
      const c = CASES[r.alert];
      if (!c) throw new Error(`alert ${r.alert} has no promtool unit test case in e2e/test/ops-alert-rules.test.ts`);
      const fires = c.onset + minutes(r.for);
      const alert = {
        exp_labels: { ...c.labels, severity: r.labels.severity },
        exp_annotations: Object.fromEntries(Object.entries(r.annotations).map(([k, v]) => [k, expand(v, c)])),
      };
      return {
        name: r.alert,
        interval: '1m',
        input_series: c.series,
        alert_rule_test: [
          // Healthy inputs: silent. Then pending for `for:` (silent), then firing.
          { eval_time: `${c.onset - 1}m`, alertname: r.alert, exp_alerts: [] },
          ...(fires - 1 > c.onset - 1 ? [{ eval_time: `${fires - 1}m`, alertname: r.alert, exp_alerts: [] }] : []),
          { eval_time: `${fires}m`, alertname: r.alert, exp_alerts: [alert] },
          { eval_time: `${fires + 5}m`, alertname: r.alert, exp_alerts: [alert] },
        ],
      };
    }),
  );
}

async function promtool(args: string[]) {
  const r = await run(bin, args, { cwd: dir });
  return { code: r.code, out: `${r.stdout}${r.stderr}` };
}

let exported: Set<string>;
let bin: string;
let dir: string;
beforeAll(async () => {
  bin = promtoolBin();
  dir = mkdtempSync(path.join(os.tmpdir(), 'ginkgo-promtool-'));
  exported = await exportedNames();
}, 10 * 60_000);

describe('PrometheusRule and dashboard with promtool (S8.08)', () => {
  test('S8.08 promtool check rules accepts the rendered rules; promtool test rules: every alert fires after its for: with its labels', async () => {
    // Every rule the chart can render: the two optional alerts on, the external group on.
    const groups = await rules([
      'monitoring.pendingAlerts.orderRejection=true',
      'monitoring.pendingAlerts.tickToOrderLatency=true',
    ]);
    expect(groups.map((g) => g.name)).toEqual(['ginkgo-live', 'ginkgo-live.external']);
    expect(groups.flatMap((g) => g.rules.map((r) => r.alert)).sort()).toEqual(Object.keys(CASES).sort());
    for (const g of groups) {
      for (const r of g.rules) {
        expect(r.alert).toMatch(/^Ginkgo[A-Za-z]+$/);
        expect(['critical', 'warning', 'info']).toContain(r.labels.severity);
        expect(r.annotations.summary?.length).toBeGreaterThan(0);
      }
    }
    writeFileSync(path.join(dir, 'rules.yaml'), stringify({ groups }));
    const check = await promtool(['check', 'rules', 'rules.yaml']);
    expect(check).toMatchObject({ code: 0 });
    expect(check.out).toContain(`SUCCESS: ${Object.keys(CASES).length} rules found`);
    // Inputs of our own group are names our code registers; the external group's are the documented exporters'.
    const own = new Set(groups[0]!.rules.map((r) => r.alert));
    for (const [alert, c] of Object.entries(CASES)) {
      for (const s of c.series) {
        const name = s.series.slice(0, s.series.indexOf('{'));
        expect({ alert, name, known: own.has(alert) ? exported.has(name) : EXTERNAL.has(name) }).toEqual({
          alert,
          name,
          known: true,
        });
      }
    }
    writeFileSync(
      path.join(dir, 'alerts.test.yaml'),
      stringify({ rule_files: ['rules.yaml'], evaluation_interval: '1m', tests: unitTests(groups) }),
    );
    const test = await promtool(['test', 'rules', 'alerts.test.yaml']);
    expect(test).toEqual({ code: 0, out: expect.stringContaining('SUCCESS') });
  });

  test('S8.08 a wrong expectation fails promtool test rules (the unit tests can fail)', async () => {
    const groups = await rules();
    const tests = unitTests(groups).map((t) => ({
      ...t,
      alert_rule_test: t.alert_rule_test.map((a) => ({
        ...a,
        exp_alerts: a.exp_alerts.map((x) => ({ ...x, exp_labels: { ...x.exp_labels, severity: 'none' } })),
      })),
    }));
    writeFileSync(path.join(dir, 'rules-default.yaml'), stringify({ groups }));
    writeFileSync(
      path.join(dir, 'wrong.test.yaml'),
      stringify({ rule_files: ['rules-default.yaml'], evaluation_interval: '1m', tests }),
    );
    const r = await promtool(['test', 'rules', 'wrong.test.yaml']);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('FAILED');
    expect(r.out).toContain('GinkgoNodeLeaseLost');
  });

  test('S8.08 the node lease, queue and lag alerts use their metrics and the thresholds from values', async () => {
    const groups = await rules([
      'monitoring.alerts.kafkaLagMessages=5000',
      'monitoring.alerts.eventLoopLagSeconds=0.5',
      'monitoring.alerts.nodeLeaseLostForMinutes=3',
    ]);
    const all = groups.flatMap((g) => g.rules);
    const byName = (name: string): Rule => {
      const r = all.find((x) => x.alert === name);
      if (!r) throw new Error(`no alert ${name}`);
      return r;
    };
    expect(byName('GinkgoNodeLeaseLost').expr).toContain(`ginkgo_operator_nodes{namespace="${NS}", state="dead"}`);
    expect(byName('GinkgoNodeLeaseLost').for).toBe('3m');
    expect(byName('GinkgoPortfolioQueueNearlyFull').expr).toContain('state="overloaded"');
    expect(byName('GinkgoKafkaConsumerLagHigh').expr).toMatch(/kafka_consumergroup_lag\{.*\} *\) > 5000$/);
    expect(byName('GinkgoEventLoopLagHigh').expr).toMatch(/> 0\.5$/);
    // No external-exporter alerts when the platform has none; the optional alerts are off by default.
    const own = await rules(['monitoring.prometheusRule.externalExporters=false']);
    expect(own.map((g) => g.name)).toEqual(['ginkgo-live']);
    const defaults = own[0]!.rules.map((r) => r.alert);
    expect(defaults).not.toContain('GinkgoOrderRejectionRateHigh');
    expect(defaults).not.toContain('GinkgoTickToOrderLatencyHigh');
  });

  test('S8.08 every Grafana panel expression returns series from metrics our processes export (evaluated by promtool)', async () => {
    const dash = JSON.parse(readFileSync(path.join(chartDir, 'dashboards', 'ginkgo-live.json'), 'utf8')) as {
      uid: string;
      panels: Array<{ title: string; targets: Array<{ expr: string; refId: string }> }>;
    };
    expect(dash.uid).toBe('ginkgo-live');
    expect(dash.panels.map((p) => p.title)).toEqual(
      expect.arrayContaining([
        'Equity per portfolio',
        'Day PnL per portfolio',
        'Orders and fills',
        'Tick -> order latency',
        'Kafka consumer lag',
        'Queue depth',
        'Node load',
      ]),
    );
    // One series of every exported metric a panel may use (plus kafka-exporter's lag), in the dashboard's namespace.
    const pod = { namespace: NS, pod: 'node-0' };
    const inputs: Series[] = [
      { series: sel('ginkgo_portfolio_equity', { ...pod, portfolio: 'p1' }), values: '100000+1x30' },
      { series: sel('ginkgo_portfolio_day_pnl', { ...pod, portfolio: 'p1' }), values: '0+1x30' },
      { series: sel('ginkgo_node_fills_total', { ...pod, market: 'cn' }), values: '0+2x30' },
      { series: sel('ginkgo_gateway_orders_accepted_total', { ...ns, pod: 'lc-0', market: 'cn' }), values: '0+3x30' },
      {
        series: sel('ginkgo_gateway_orders_rejected_total', { ...ns, pod: 'lc-0', market: 'cn', reason: 'cash' }),
        values: '0+1x30',
      },
      ...['0.01', '0.1', '+Inf'].map((le, i) => ({
        series: sel('ginkgo_node_tick_to_order_seconds_bucket', { ...pod, le }),
        values: `0+${5 + i}x30`,
      })),
      {
        series: sel('kafka_consumergroup_lag', { consumergroup: 'ginkgo-node-n1-md', topic: 'market.data.cn' }),
        values: '7x30',
      },
      { series: sel('ginkgo_node_queue_depth', pod), values: '4x30' },
      { series: sel('ginkgo_operator_queue_depth', { ...ns, pod: 'op-0' }), values: '1x30' },
      { series: sel('ginkgo_operator_nodes', { ...ns, pod: 'op-0', state: 'live' }), values: '3x30' },
      { series: sel('ginkgo_operator_portfolios', { ...ns, pod: 'op-0', phase: 'Running' }), values: '20x30' },
      { series: sel('process_resident_memory_bytes', pod), values: '1e8x30' },
      { series: sel('nodejs_eventloop_lag_p99_seconds', pod), values: '0.01x30' },
    ];
    for (const s of inputs) {
      const name = s.series.slice(0, s.series.indexOf('{'));
      expect({ name, known: exported.has(name) || EXTERNAL.has(name) }).toEqual({ name, known: true });
    }
    // Each target becomes an alert that fires iff its expression returns at least one series.
    const targets = dash.panels.flatMap((p, i) =>
      p.targets.map((t) => ({
        alert: `Panel${i}${t.refId}`,
        title: p.title,
        expr: t.expr.replaceAll('$namespace', NS),
      })),
    );
    const groups = [
      {
        name: 'dashboard',
        rules: targets.map((t) => ({ alert: t.alert, expr: `count(${t.expr}) > 0`, annotations: { panel: t.title } })),
      },
    ];
    writeFileSync(path.join(dir, 'dashboard.yaml'), stringify({ groups }));
    const tests = [
      {
        interval: '1m',
        input_series: inputs,
        alert_rule_test: targets.map((t) => ({
          eval_time: '15m',
          alertname: t.alert,
          exp_alerts: [{ exp_labels: {}, exp_annotations: { panel: t.title } }],
        })),
      },
    ];
    writeFileSync(
      path.join(dir, 'dashboard.test.yaml'),
      stringify({ rule_files: ['dashboard.yaml'], evaluation_interval: '1m', tests }),
    );
    expect(await promtool(['check', 'rules', 'dashboard.yaml'])).toMatchObject({ code: 0 });
    const r = await promtool(['test', 'rules', 'dashboard.test.yaml']);
    expect(r).toEqual({ code: 0, out: expect.stringContaining('SUCCESS') });
  });
});
