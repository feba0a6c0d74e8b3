import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Condition, PortfolioPhase } from '@ginkgo/contracts';
import { chartDir, run } from './support/chart.js';
import { repoRoot } from './support/processes.js';

// Evaluates the chart's argocd-cm patch with Argo CD's own Lua code (util/lua of argo-cd v3.2.12, gopher-lua,
// Lua 5.1 without the string library), through e2e/argocd-health: the same status and message the application
// controller computes for a Portfolio.
const cmPatch = path.join(chartDir, 'argocd', 'argocd-cm-patch.yaml');
const script = readFileSync(path.join(chartDir, 'argocd', 'portfolio-health.lua'), 'utf8');

let evaluator: string;
beforeAll(() => {
  // Built once from the Go module proxy into the cache; later runs find the binary at once.
  evaluator = execFileSync('bash', [path.join(repoRoot, 'e2e', 'testbed', 'build-argocd-health.sh')], {
    encoding: 'utf8',
    timeout: 30 * 60_000,
  })
    .trim()
    .split('\n')
    .pop()!;
}, 30 * 60_000);

async function health(obj: unknown): Promise<{ status: string; message: string }> {
  const r = await run(evaluator, [cmPatch], { input: JSON.stringify([obj]) });
  if (r.code !== 0) throw new Error(`argocd-health failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { status?: string; message?: string; error?: string };
  if (out.error) throw new Error(`Argo CD rejected the health check: ${out.error}`);
  return { status: out.status ?? '', message: out.message ?? '' };
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
    spec: {
      market: 'cn',
      desiredState: o.desiredState,
      suspend: o.suspend,
      strategy: { name: 'ma-cross', params: {} },
    },
    status: o.noStatus
      ? undefined
      : { phase: o.phase, observedGeneration: o.observedGeneration, assignedNode: 'node-a', conditions: o.conditions },
  };
}

describe("Argo CD health check for Portfolio (Argo CD's own util/lua)", () => {
  const cases: Array<[string, string, Parameters<typeof portfolio>[0]]> = [
    ['no status yet', 'Progressing', { noStatus: true }],
    ['status without phase', 'Progressing', { observedGeneration: 3 }],
    ['Pending', 'Progressing', { phase: 'Pending', observedGeneration: 3 }],
    ['Assigned', 'Progressing', { phase: 'Assigned', observedGeneration: 3 }],
    ['Running, generation observed', 'Healthy', { phase: 'Running', observedGeneration: 3 }],
    [
      'Running, spec changed and not yet observed',
      'Progressing',
      { phase: 'Running', generation: 4, observedGeneration: 3 },
    ],
    ['Running, observedGeneration missing', 'Progressing', { phase: 'Running' }],
    [
      'Running with Ready=True',
      'Healthy',
      { phase: 'Running', observedGeneration: 3, conditions: [cond('Ready', 'True')] },
    ],
    [
      'Running with Degraded=False',
      'Healthy',
      { phase: 'Running', observedGeneration: 3, conditions: [cond('Degraded', 'False')] },
    ],
    [
      'Running but condition Degraded=True',
      'Degraded',
      { phase: 'Running', observedGeneration: 3, conditions: [cond('Degraded', 'True', 'redis down')] },
    ],
    ['Degraded', 'Degraded', { phase: 'Degraded', observedGeneration: 3 }],
    ['Degraded, old generation', 'Degraded', { phase: 'Degraded', generation: 5, observedGeneration: 3 }],
    ['Failed (invalid spec)', 'Degraded', { phase: 'Failed', observedGeneration: 3 }],
    [
      'Halted by the emergency stop',
      'Suspended',
      { phase: 'Halted', observedGeneration: 3, conditions: [cond('Halted', 'True')] },
    ],
    [
      'Stopped as asked (desiredState)',
      'Suspended',
      { phase: 'Stopped', observedGeneration: 3, desiredState: 'Stopped' },
    ],
    ['Stopped as asked (suspend)', 'Suspended', { phase: 'Stopped', observedGeneration: 3, suspend: true }],
    [
      'Stopped while Running is wanted',
      'Progressing',
      { phase: 'Stopped', observedGeneration: 3, desiredState: 'Running' },
    ],
  ];

  test.each(cases)('%s -> %s', async (_name, expected, input) => {
    const hs = await health(portfolio(input));
    expect(hs.status).toBe(expected);
    expect(hs.message.length).toBeGreaterThan(0);
  });

  test('the Degraded message carries the reason from the condition', async () => {
    const hs = await health(
      portfolio({
        phase: 'Degraded',
        observedGeneration: 3,
        conditions: [cond('Degraded', 'True', 'MySQL unreachable, spooling')],
      }),
    );
    expect(hs).toEqual({ status: 'Degraded', message: 'MySQL unreachable, spooling' });
  });

  test('the argocd-cm patch in the chart carries the same Lua, under the key Argo CD reads', () => {
    const patch = parseYaml(readFileSync(path.join(chartDir, 'argocd', 'argocd-cm-patch.yaml'), 'utf8')) as {
      data: Record<string, string>;
    };
    expect(patch.data['resource.customizations.health.ginkgo.live_Portfolio']).toBe(script);
  });
});
