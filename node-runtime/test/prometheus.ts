import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderChart } from '../../e2e/test/support/chart.js';
import { freePort } from './helpers.js';

export interface FiringAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  value: string;
}

interface RuleGroup {
  name: string;
  rules: {
    alert: string;
    expr: string;
    for?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  }[];
}

/**
 * The chart's own alert rules (helm template, PrometheusRule of namespace `namespace`) with `set` values.
 * `for:` is dropped: how long a condition must hold is Prometheus' business; the test proves that the
 * expression becomes true on the real process' metrics under the condition.
 */
export async function chartAlertRules(namespace: string, set: string[]): Promise<RuleGroup[]> {
  const ms = await renderChart({
    namespace,
    set: ['monitoring.prometheusRule.enabled=true', 'monitoring.prometheusRule.externalExporters=false', ...set],
  });
  const rule = ms.find((m) => m.kind === 'PrometheusRule') as unknown as { spec: { groups: RuleGroup[] } } | undefined;
  if (!rule) throw new Error('the chart rendered no PrometheusRule');
  return rule.spec.groups.map((g) => ({ ...g, rules: g.rules.map(({ for: _for, ...r }) => r) }));
}

/**
 * A Prometheus of its own (the Debian package the test bed installs), on a free loopback port, scraping
 * `targets` every second with the given rule groups, evaluated every second.
 */
export async function startPrometheus(opts: {
  targets: { port: number; labels: Record<string, string> }[];
  groups: RuleGroup[];
}) {
  const bin = process.env.PROMETHEUS ?? 'prometheus';
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ginkgo-prometheus-'));
  // JSON is YAML: both files are written as JSON.
  writeFileSync(
    path.join(dir, 'rules.yml'),
    JSON.stringify({ groups: opts.groups.map((g) => ({ ...g, interval: '1s' })) }),
  );
  writeFileSync(
    path.join(dir, 'prometheus.yml'),
    JSON.stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [path.join(dir, 'rules.yml')],
      scrape_configs: [
        {
          job_name: 'ginkgo',
          static_configs: opts.targets.map((t) => ({ targets: [`127.0.0.1:${t.port}`], labels: t.labels })),
        },
      ],
    }),
  );
  const port = await freePort();
  const child = spawn(
    bin,
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', (err) =>
      reject(new Error(`cannot run ${bin} (install it with e2e/testbed/prometheus.sh): ${String(err)}`)),
    );
    child.once('exit', (code) => resolve(code));
  });
  exited.catch(() => undefined);
  const api = async <T>(p: string): Promise<T> => {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${log}`);
    const r = await fetch(`http://127.0.0.1:${port}${p}`);
    const body = (await r.json()) as { status: string; data: T };
    if (body.status !== 'success') throw new Error(`prometheus ${p}: ${JSON.stringify(body)}`);
    return body.data;
  };
  return {
    port,
    api,
    /** Alerts in state firing (or pending) now. */
    alerts: async (): Promise<FiringAlert[]> => (await api<{ alerts: FiringAlert[] }>('/api/v1/alerts')).alerts,
    /** Rules loaded, with their health (a rule Prometheus cannot evaluate is `err`). */
    rules: async () =>
      (
        await api<{ groups: { rules: { name: string; health: string; lastError?: string }[] }[] }>('/api/v1/rules')
      ).groups.flatMap((g) => g.rules),
    /** One instant query's samples. */
    query: async (q: string) =>
      (
        await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
          `/api/v1/query?query=${encodeURIComponent(q)}`,
        )
      ).result,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited.catch(() => undefined);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
export type Prometheus = Awaited<ReturnType<typeof startPrometheus>>;

/** The firing alert `name` whose labels include `labels`, once Prometheus shows it. */
export function firing(
  alerts: FiringAlert[],
  name: string,
  labels: Record<string, string> = {},
): FiringAlert | undefined {
  return alerts.find(
    (a) =>
      a.state === 'firing' &&
      a.labels.alertname === name &&
      Object.entries(labels).every(([k, v]) => a.labels[k] === v),
  );
}
