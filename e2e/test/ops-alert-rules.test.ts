import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { createMetricsRegistry } from '@ginkgo/platform';
import { createOperatorMetrics } from '@ginkgo/operator';
import { chartDir, renderChart, type Manifest } from './support/chart.js';
import { repoRoot } from './support/processes.js';

/**
 * S8.08: the chart's alert rules parse and reference metrics that exist. "Exist" means registered by our
 * code (the operator's registry, prom-client's default process metrics every process registers, and any
 * `ginkgo_*` metric name node-runtime, livecore or platform register in their sources), or exported by the
 * external exporters the `ginkgo-live.external` group is documented to need.
 */
const EXTERNAL: Record<string, string> = {
  kafka_consumergroup_lag: 'kafka-exporter',
  redis_memory_used_bytes: 'redis_exporter',
  redis_memory_max_bytes: 'redis_exporter',
  kubelet_volume_stats_available_bytes: 'kubelet',
  kubelet_volume_stats_capacity_bytes: 'kubelet',
};
/** Prometheus itself records `up` for every scrape target. */
const PROMETHEUS = new Set(['up']);
/**
 * Names the dashboard and the optional (pendingAlerts) rules expect node-runtime and livecore to export
 * (issues 4 and 6); not required to exist yet, and only allowed in places that are off by default.
 */
const PENDING = new Set([
  'ginkgo_portfolio_equity',
  'ginkgo_portfolio_day_pnl',
  'ginkgo_gateway_orders_total',
  'ginkgo_node_fills_total',
  'ginkgo_node_tick_to_order_seconds',
  'ginkgo_node_queue_depth',
]);

const FUNCTIONS = new Set(
  ('abs absent absent_over_time avg avg_over_time bottomk ceil changes clamp clamp_max clamp_min count count_over_time ' +
    'count_values delta deriv exp floor group histogram_quantile holt_winters idelta increase irate label_join label_replace ' +
    'last_over_time ln log2 log10 max max_over_time min min_over_time predict_linear quantile quantile_over_time rate resets ' +
    'round scalar sort sort_desc sqrt stddev stdvar sum sum_over_time time timestamp topk vector')
    .split(' '),
);
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan']);

/** Checks brackets and strings balance, then returns the metric names of a PromQL expression. */
export function promqlMetricNames(expr: string): string[] {
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  let inString = false;
  for (let i = 0; i < expr.length; i++) {
    const ch = expr.charAt(i);
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if ('([{'.includes(ch)) stack.push(ch);
    else if (ch && ')]}'.includes(ch) && stack.pop() !== pairs[ch]) throw new Error(`unbalanced '${ch}' at ${i} in: ${expr}`);
  }
  if (inString || stack.length) throw new Error(`unterminated ${inString ? 'string' : stack.join('')} in: ${expr}`);
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // label values
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // range selectors
    .replace(/(?<![A-Za-z0-9_:.])\d[\d.]*(e[+-]?\d+)?/gi, '0') // numbers like 1e9
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ''); // label lists
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = m[0];
    const next = stripped.slice(m.index + word.length).trimStart()[0];
    if (next === '(' && FUNCTIONS.has(word)) continue;
    if (next === '(') throw new Error(`unknown PromQL function ${word}( in: ${expr}`);
    if (KEYWORDS.has(word.toLowerCase())) continue;
    if (/^\d/.test(word)) continue;
    names.add(word);
  }
  return [...names];
}

/** Every metric name our code registers. */
async function exportedMetricNames(): Promise<Set<string>> {
  const names = new Set<string>();
  // The operator's metrics and prom-client's default metrics (every process calls createMetricsRegistry).
  const registry = createMetricsRegistry('rules-test');
  createOperatorMetrics(registry);
  for (const m of await registry.getMetricsAsJSON()) names.add(m.name);
  // node-runtime, livecore and platform register theirs by literal name in their sources.
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) => {
      const p = path.join(dir, f);
      return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
    });
  for (const pkg of ['node-runtime/src', 'livecore/src', 'packages/platform/src', 'operator/src']) {
    for (const file of walk(path.join(repoRoot, pkg))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/name:\s*['"`](ginkgo_[a-z0-9_]+)['"`]|new \w+\(\s*['"`](ginkgo_[a-z0-9_]+)['"`]/g)) {
        const name = m[1] ?? m[2];
        if (name) names.add(name);
      }
    }
  }
  return names;
}

/** Histogram and summary series map back to the registered name. */
const baseName = (n: string, known: Set<string>) => {
  const base = n.replace(/_(bucket|sum|count)$/, '');
  return known.has(n) ? n : known.has(base) ? base : n;
};

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
type RuleManifest = Manifest & { spec: { groups: Array<{ name: string; rules: Rule[] }> } };

async function rules(set: string[] = []): Promise<RuleManifest['spec']['groups']> {
  const ms = await renderChart({ namespace: 'ginkgo', set: ['monitoring.prometheusRule.enabled=true', ...set] });
  const pr = ms.filter((m) => m.kind === 'PrometheusRule') as RuleManifest[];
  expect(pr).toHaveLength(1);
  return pr[0]!.spec.groups;
}

let exported: Set<string>;
beforeAll(async () => {
  exported = await exportedMetricNames();
});

describe('PrometheusRule and dashboard (S8.08)', () => {
  test('S8.08 the alert rules parse and reference only metrics the code exports (or the named exporters)', async () => {
    const groups = await rules();
    expect(groups.map((g) => g.name)).toEqual(['ginkgo-live', 'ginkgo-live.external']);
    const alerts = groups.flatMap((g) => g.rules.map((r) => r.alert));
    expect(alerts).toEqual(
      expect.arrayContaining([
        'GinkgoNodeLeaseLost',
        'GinkgoPortfolioQueueNearlyFull',
        'GinkgoPortfoliosDegraded',
        'GinkgoOperatorNoLeader',
        'GinkgoProcessMemoryGrowing',
        'GinkgoEventLoopLagHigh',
        'GinkgoKafkaConsumerLagHigh',
        'GinkgoRedisMemoryHigh',
        'GinkgoSpoolDiskLow',
      ]),
    );
    const problems: string[] = [];
    for (const g of groups) {
      for (const r of g.rules) {
        expect(r.alert).toMatch(/^Ginkgo[A-Za-z]+$/);
        if (r.for !== undefined) expect(r.for).toMatch(/^\d+[smh]$/);
        expect(['critical', 'warning', 'info']).toContain(r.labels.severity);
        expect(r.annotations.summary?.length).toBeGreaterThan(0);
        expect(r.expr).toMatch(/[<>]=?|==|!=/); // an alert compares against a threshold
        for (const raw of promqlMetricNames(r.expr)) {
          const n = baseName(raw, exported);
          const ok = g.name === 'ginkgo-live' ? exported.has(n) || PROMETHEUS.has(n) : n in EXTERNAL;
          if (!ok) problems.push(`${g.name}/${r.alert}: ${raw}`);
        }
      }
    }
    expect(problems).toEqual([]);
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
    expect(byName('GinkgoNodeLeaseLost').expr).toContain('ginkgo_operator_nodes{namespace="ginkgo", state="dead"}');
    expect(byName('GinkgoNodeLeaseLost').for).toBe('3m');
    expect(byName('GinkgoPortfolioQueueNearlyFull').expr).toContain('state="overloaded"');
    expect(byName('GinkgoKafkaConsumerLagHigh').expr).toMatch(/kafka_consumergroup_lag\{.*\} *\) > 5000$/);
    expect(byName('GinkgoEventLoopLagHigh').expr).toMatch(/> 0\.5$/);
    // No external-exporter alerts when the platform has none.
    const own = await rules(['monitoring.prometheusRule.externalExporters=false']);
    expect(own.map((g) => g.name)).toEqual(['ginkgo-live']);
  });

  test('S8.08 alerts on metrics not exported yet are off by default and use the documented names when on', async () => {
    const defaults = (await rules()).flatMap((g) => g.rules.map((r) => r.alert));
    expect(defaults).not.toContain('GinkgoOrderRejectionRateHigh');
    expect(defaults).not.toContain('GinkgoTickToOrderLatencyHigh');
    const on = await rules(['monitoring.pendingAlerts.orderRejection=true', 'monitoring.pendingAlerts.tickToOrderLatency=true']);
    for (const r of on[0]!.rules) {
      for (const raw of promqlMetricNames(r.expr)) {
        const n = baseName(raw, new Set([...exported, ...PENDING]));
        expect({ alert: r.alert, metric: raw, known: exported.has(n) || PENDING.has(n) || PROMETHEUS.has(n) }).toMatchObject({ known: true });
      }
    }
  });

  test('S8.08 the Grafana dashboard is valid JSON whose panels query known metrics', () => {
    const dash = JSON.parse(readFileSync(path.join(chartDir, 'dashboards', 'ginkgo-live.json'), 'utf8')) as {
      uid: string;
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
    };
    expect(dash.uid).toBe('ginkgo-live');
    const titles = dash.panels.map((p) => p.title);
    expect(titles).toEqual(
      expect.arrayContaining(['Equity per portfolio', 'Day PnL per portfolio', 'Orders and fills', 'Tick -> order latency', 'Kafka consumer lag', 'Queue depth', 'Node load']),
    );
    const unknown = dash.panels.flatMap((p) =>
      p.targets.flatMap((t) =>
        promqlMetricNames(t.expr)
          .map((raw) => baseName(raw, new Set([...exported, ...PENDING])))
          .filter((n) => !exported.has(n) && !PENDING.has(n) && !(n in EXTERNAL))
          .map((n) => `${p.title}: ${n}`),
      ),
    );
    expect(unknown).toEqual([]);
  });

  test('the PromQL checker finds metric names and refuses broken expressions', () => {
    expect(promqlMetricNames('sum by (pod) (rate(a_total{x="y(", z=~"a|b"}[5m])) / on(pod) b > 0 and c_bucket').sort()).toEqual(['a_total', 'b', 'c_bucket']);
    expect(() => promqlMetricNames('sum(rate(a[5m])')).toThrow(/unterminated/);
    expect(() => promqlMetricNames('sum(a}')).toThrow(/unbalanced/);
    expect(() => promqlMetricNames('summ(a)')).toThrow(/unknown PromQL function summ/);
  });
});
