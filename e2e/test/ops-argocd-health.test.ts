import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Condition, PortfolioPhase } from '@ginkgo/contracts';
import { chartDir, helmBin, run } from './support/chart.js';

// Runs the real Lua health check (the file Argo CD is given) with lua5.4, for each condition combination.
const script = readFileSync(path.join(chartDir, 'argocd', 'portfolio-health.lua'), 'utf8');

/** A Lua literal of a JSON value (ASCII test data). Argo CD hands the script `obj` as such a table. */
function toLua(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `{${v.map(toLua).join(', ')}}`;
  return `{${Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== undefined)
    .map(([k, x]) => `[${JSON.stringify(k)}] = ${toLua(x)}`)
    .join(', ')}}`;
}

let dir: string;
beforeAll(() => {
  helmBin(); // the test bed script also installs lua5.4
  dir = mkdtempSync(path.join(os.tmpdir(), 'argocd-health-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function health(obj: unknown): Promise<{ status: string; message: string }> {
  const file = path.join(dir, `case-${Math.random().toString(36).slice(2)}.lua`);
  writeFileSync(
    file,
    `obj = ${toLua(obj)}\nlocal hs = (function()\n${script}\nend)()\nio.write(hs.status, "\\n", hs.message or "")\n`,
  );
  const r = await run('lua5.4', [file]);
  if (r.code !== 0) throw new Error(`lua5.4 failed: ${r.stderr}`);
  const [status = '', message = ''] = r.stdout.split('\n');
  return { status, message };
}

const cond = (type: string, status: Condition['status'], message = ''): Condition => ({
  type,
  status,
  reason: type,
  message,
  lastTransitionTime: '2025-01-02T03:04:05Z',
});

function portfolio(o: {
  generation?: number;
  phase?: PortfolioPhase;
  observedGeneration?: number;
  conditions?: Condition[];
  desiredState?: 'Running' | 'Stopped';
  suspend?: boolean;
  noStatus?: boolean;
}) {
  return {
    apiVersion: 'ginkgo.live/v1alpha1',
    kind: 'Portfolio',
    metadata: { name: 'p', namespace: 'ns', generation: o.generation ?? 3 },
    spec: { market: 'cn', desiredState: o.desiredState, suspend: o.suspend, strategy: { name: 'ma-cross', params: {} } },
    status: o.noStatus
      ? undefined
      : { phase: o.phase, observedGeneration: o.observedGeneration, assignedNode: 'node-a', conditions: o.conditions },
  };
}

describe('Argo CD health check for Portfolio (real Lua, lua5.4)', () => {
  const cases: Array<[string, string, Parameters<typeof portfolio>[0]]> = [
    ['no status yet', 'Progressing', { noStatus: true }],
    ['status without phase', 'Progressing', { observedGeneration: 3 }],
    ['Pending', 'Progressing', { phase: 'Pending', observedGeneration: 3 }],
    ['Assigned', 'Progressing', { phase: 'Assigned', observedGeneration: 3 }],
    ['Running, generation observed', 'Healthy', { phase: 'Running', observedGeneration: 3 }],
    ['Running, spec changed and not yet observed', 'Progressing', { phase: 'Running', generation: 4, observedGeneration: 3 }],
    ['Running, observedGeneration missing', 'Progressing', { phase: 'Running' }],
    ['Running with Ready=True', 'Healthy', { phase: 'Running', observedGeneration: 3, conditions: [cond('Ready', 'True')] }],
    ['Running with Degraded=False', 'Healthy', { phase: 'Running', observedGeneration: 3, conditions: [cond('Degraded', 'False')] }],
    ['Running but condition Degraded=True', 'Degraded', { phase: 'Running', observedGeneration: 3, conditions: [cond('Degraded', 'True', 'redis down')] }],
    ['Degraded', 'Degraded', { phase: 'Degraded', observedGeneration: 3 }],
    ['Degraded, old generation', 'Degraded', { phase: 'Degraded', generation: 5, observedGeneration: 3 }],
    ['Failed (invalid spec)', 'Degraded', { phase: 'Failed', observedGeneration: 3 }],
    ['Halted by the emergency stop', 'Suspended', { phase: 'Halted', observedGeneration: 3, conditions: [cond('Halted', 'True')] }],
    ['Stopped as asked (desiredState)', 'Suspended', { phase: 'Stopped', observedGeneration: 3, desiredState: 'Stopped' }],
    ['Stopped as asked (suspend)', 'Suspended', { phase: 'Stopped', observedGeneration: 3, suspend: true }],
    ['Stopped while Running is wanted', 'Progressing', { phase: 'Stopped', observedGeneration: 3, desiredState: 'Running' }],
  ];

  test.each(cases)('%s -> %s', async (_name, expected, input) => {
    const hs = await health(portfolio(input));
    expect(hs.status).toBe(expected);
    expect(hs.message.length).toBeGreaterThan(0);
  });

  test('the Degraded message carries the reason from the condition', async () => {
    const hs = await health(portfolio({ phase: 'Degraded', observedGeneration: 3, conditions: [cond('Degraded', 'True', 'MySQL unreachable, spooling')] }));
    expect(hs).toEqual({ status: 'Degraded', message: 'MySQL unreachable, spooling' });
  });

  test('the argocd-cm patch in the chart carries the same Lua, under the key Argo CD reads', () => {
    const patch = parseYaml(readFileSync(path.join(chartDir, 'argocd', 'argocd-cm-patch.yaml'), 'utf8')) as { data: Record<string, string> };
    expect(patch.data['resource.customizations.health.ginkgo.live_Portfolio']).toBe(script);
  });
});
