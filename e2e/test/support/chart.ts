import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { createLogger, type KubeClients } from '@ginkgo/platform';
import { buildPortfolioCrd, installCrd } from '@ginkgo/operator';
import { exec } from './command.js';
import { repoRoot } from './processes.js';

export const chartDir = path.join(repoRoot, 'charts', 'ginkgo-live');

/** A rendered manifest: apiVersion/kind/metadata plus whatever else the template wrote. */
export type Manifest = KubernetesObject & {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
} & Record<string, unknown>;

let helmPath: string | undefined;

/** The helm CLI the test bed builds from the Go module proxy (e2e/testbed/helm.sh is idempotent and fast once built). */
export function helmBin(): string {
  if (process.env.HELM_BIN) return process.env.HELM_BIN;
  helmPath ??= execFileSync('bash', [path.join(repoRoot, 'e2e', 'testbed', 'helm.sh')], {
    encoding: 'utf8',
    timeout: 20 * 60_000,
  })
    .trim()
    .split('\n')
    .pop()!;
  return helmPath;
}

export { exec as run, type CommandResult as RunResult } from './command.js';

export const helm = (args: string[]) => exec(helmBin(), args);

/** `helm template` with --set/--set-string pairs; throws with helm's message on failure. */
export async function renderChart(opts: {
  release?: string;
  namespace: string;
  set?: string[];
  /** Values files (`-f`), for values --set cannot carry (JSON documents). */
  values?: string[];
  apiVersions?: string[];
}): Promise<Manifest[]> {
  const args = ['template', opts.release ?? 'gl', chartDir, '--namespace', opts.namespace];
  for (const f of opts.values ?? []) args.push('-f', f);
  for (const s of opts.set ?? []) args.push('--set', s);
  for (const a of opts.apiVersions ?? []) args.push('--api-versions', a);
  const r = await helm(args);
  if (r.code !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  return parseManifests(r.stdout);
}

export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length)
        throw new Error(`rendered YAML does not parse: ${d.errors.map((e) => e.message).join('; ')}`);
      return d.toJS() as Manifest | null;
    })
    .filter((m): m is Manifest => m !== null && typeof m === 'object');
}

export const readYaml = <T>(file: string): T => parseYaml(readFileSync(file, 'utf8')) as T;

/**
 * The bare kube-apiserver knows no Prometheus Operator types: install minimal CRDs for ServiceMonitor and
 * PrometheusRule (schema left open) so their rendered objects still pass server-side admission (names,
 * labels, namespace, JSON shape). Their spec contents are checked by the rule tests instead.
 */
export function monitoringCrds(): object[] {
  const crd = (kind: string, plural: string) => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.monitoring.coreos.com` },
    spec: {
      group: 'monitoring.coreos.com',
      scope: 'Namespaced',
      names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase() },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  });
  return [crd('ServiceMonitor', 'servicemonitors'), crd('PrometheusRule', 'prometheusrules')];
}

/** Portfolio CRD from the generator (never from the chart copy: a stale copy must not replace the live CRD) + monitoring CRDs. */
export async function installChartCrds(clients: KubeClients): Promise<void> {
  const logger = createLogger('chart-test').child({}, { level: 'error' });
  await installCrd(clients, logger, buildPortfolioCrd());
  for (const c of monitoringCrds()) await installCrd(clients, logger, c);
}

/** Server-side dry run (dryRun=All) of one object: admission and validation run, nothing is stored. */
export async function dryRunCreate(clients: KubeClients, obj: Manifest, namespace: string): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(clients.config);
  const body = { ...obj, metadata: { ...obj.metadata, namespace: obj.metadata.namespace ?? namespace } };
  await api.create(body, undefined, 'All');
}

export { purgeNamespace, uniqueSuffix } from '@ginkgo/platform/testing';

/** Readable message of a failed API call (the server's Status message names the field). */
export function apiMessage(err: unknown): string {
  const body = (err as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      return (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      return body;
    }
  }
  return err instanceof Error ? err.message : String(err);
}
