import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { E2eCluster } from '../../operator/test/e2e-harness.js';
import { kubectl } from './support/command.js';
import { uniqueCodes } from './support/isolation.js';

describe('kubectl: apply, get, explain', () => {
  const c = new E2eCluster('kubectl', 4);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ginkgo-kubectl-'));

  /** Writes the manifest a trader would apply: Portfolio `name` in the test's namespace with `spec` (YAML lines). */
  const portfolioYaml = (name: string, spec: string) => {
    const file = path.join(dir, `${name}.yaml`);
    const metadata = ['metadata:', `  name: ${name}`, `  namespace: ${c.namespace}`];
    writeFileSync(file, ['apiVersion: ginkgo.live/v1alpha1', 'kind: Portfolio', ...metadata, 'spec:', spec].join('\n'));
    return file;
  };

  beforeAll(async () => {
    await c.start({ livecore: true });
    await c.startNode('k1');
  }, 180000);

  afterAll(() => c.stop(), 60000);

  test('kubectl apply runs a Portfolio; kubectl get pf shows phase, node and equity; explain documents the spec', async () => {
    const [code] = uniqueCodes(1) as [string];
    const name = `kc-${c.suffix}`;
    const file = portfolioYaml(
      name,
      `  market: cn
  initialCash: "100000.00"
  strategy: { name: buy-and-hold, params: {} }
  sizer: { name: fixed-volume, params: { volume: 100 } }
  interestedCodes: ["${code}"]
`,
    );
    const applied = kubectl(['apply', '-f', file]);
    expect(applied).toMatchObject({ code: 0 });
    expect(applied.out).toContain(`portfolio.ginkgo.live/${name} created`);
    await c.running(name);
    await c.tick(code, 1000);
    await c.until('position', name, (p) => !!p.status?.positions?.some((x) => x.code === code && x.volume === 100));
    const get = kubectl(['get', 'pf', '-n', c.namespace]);
    expect(get.code).toBe(0);
    expect(get.out).toMatch(/NAME\s+PHASE\s+NODE\s+EQUITY/);
    expect(get.out).toMatch(new RegExp(`${name}\\s+Running\\s+k1-${c.suffix}\\s+\\d+\\.\\d{2}`));
    const explain = kubectl(['explain', 'pf.spec']);
    expect(explain.code).toBe(0);
    for (const field of ['initialCash', 'interestedCodes', 'strategy', 'riskManagers', 'sizer', 'desiredState'])
      expect(explain.out).toContain(field);
    process.stdout.write(`$ kubectl get pf\n${get.out}\n$ kubectl explain pf.spec\n${explain.out}\n`);
  });

  test('kubectl apply of a bad spec is refused by the API server, naming the field', () => {
    const file = portfolioYaml(
      `bad-${c.suffix}`,
      `  initialCash: "-5"
  strategy: { name: ma-cross, params: { short: 5, long: 20 } }
  interestedCodes: ["NOT-A-CODE"]
`,
    );
    const r = kubectl(['apply', '-f', file]);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('spec.initialCash');
    expect(r.out).toContain('spec.interestedCodes[0]');
  });
});
