import fc from 'fast-check';
import { PortfolioSpec, describeIssues, portfolioResource } from '@ginkgo/contracts';
import { createDefaultRegistry } from '@ginkgo/core';
import { E2eCluster } from '../../operator/test/e2e-harness.js';
import { apiMessage } from './support/chart.js';
import { eventually } from './support/processes.js';

/**
 * 10,000 generated Portfolio specs against the real kube-apiserver with the generated CRD, the real operator
 * watching the namespace. Each spec is either refused by the API server (server-side dry run) with a message
 * naming the spec field, or accepted; every accepted spec the operator's own validation refuses gets, when
 * really created, an Accepted=False/InvalidSpec condition naming the field. The operator stays ready and its
 * reconcile count stays bounded (no loop over bad specs).
 */
const TOTAL = Number(process.env.SPEC_FUZZ_TOTAL ?? 10_000);
const { group, version, plural, apiVersion, kind } = portfolioResource;
const registry = createDefaultRegistry();

const valid = {
  market: 'cn',
  initialCash: '1000000.00',
  strategy: { name: 'ma-cross', params: { short: 5, long: 20 } },
  riskManagers: [{ name: 'loss-limit', params: { lossRatio: 0.05 } }],
  sizer: { name: 'fixed-volume', params: { volume: 1000 } },
  interestedCodes: ['600000.SH', '000001.SZ'],
};
const junk = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 30 }),
  fc.constant([]),
  fc.constant({}),
  fc.constant('x'.repeat(5000)),
);
const component = fc.oneof(
  fc.record({
    name: fc.constantFrom(
      'ma-cross',
      'rsi',
      'breakout',
      'buy-and-hold',
      'fixed-volume',
      'loss-limit',
      'position-ratio',
      'nope',
      '',
      'MA-CROSS',
    ),
    params: fc.dictionary(fc.constantFrom('short', 'long', 'volume', 'lossRatio', 'maxRatio', 'period', 'x'), junk, {
      maxKeys: 3,
    }),
  }),
  junk,
);
const code = fc.oneof(fc.constantFrom('600000.SH', '000001.SZ', '300750.SZ', 'AAPL.US'), fc.string({ maxLength: 14 }));
const fields = {
  market: fc.oneof(fc.constantFrom('cn', 'hk', 'CN', '', 'a'.repeat(40)), junk),
  initialCash: fc.oneof(
    fc.constantFrom('1000000.00', '0', '-5', '1e9', '12.345', '9'.repeat(40), 'abc', ''),
    fc.integer(),
    junk,
  ),
  strategy: component,
  riskManagers: fc.oneof(fc.array(component, { maxLength: 20 }), junk),
  sizer: component,
  interestedCodes: fc.oneof(
    fc.array(code, { maxLength: 5 }),
    fc.constant(Array.from({ length: 2001 }, (_, i) => `${600000 + i}.SH`)),
    junk,
  ),
  desiredState: fc.oneof(fc.constantFrom('Running', 'Stopped', 'running', ''), junk),
  suspend: fc.oneof(fc.boolean(), junk),
};
/** A valid spec with some fields replaced, removed or added; now and then not an object at all. */
const specArb = fc.oneof(
  {
    weight: 20,
    arbitrary: fc.record(fields, { requiredKeys: [] }).chain((over) =>
      fc.subarray(Object.keys(valid)).map((drop) => ({
        ...Object.fromEntries(Object.entries(valid).filter(([k]) => !drop.includes(k) || k in over)),
        ...over,
      })),
    ),
  },
  {
    weight: 2,
    arbitrary: fc
      .dictionary(fc.string({ minLength: 1, maxLength: 10 }), junk, { maxKeys: 3 })
      .map((extra) => ({ ...valid, ...extra })),
  },
  { weight: 1, arbitrary: junk },
);

/** Does the engine accept the components (names and params)? Only meaningful for a zod-valid spec. */
function engineError(spec: PortfolioSpec): string | undefined {
  try {
    registry.build(spec);
    return undefined;
  } catch (err) {
    return String(err);
  }
}

describe('fuzzed Portfolio specs against the real kube-apiserver and operator', () => {
  const c = new E2eCluster('specfuzz');
  beforeAll(() => c.start(), 120_000);
  afterAll(() => c.stop(), 120_000);

  const reconciles = async () => {
    const text = await (await fetch(`http://127.0.0.1:${c.operator!.healthPort}/metrics`)).text();
    return text
      .split('\n')
      .filter((l) => l.startsWith('ginkgo_operator_reconciles_total'))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  };

  test(
    `S2.01 ${TOTAL} generated specs: refused naming the field, or accepted; the operator names what its validation refuses and does not loop`,
    async () => {
      const specs = fc.sample(specArb, { numRuns: TOTAL, seed: 1505 });
      const refused: string[] = [];
      const unnamed: string[] = [];
      const acceptedBad: Array<{ spec: unknown; error: string }> = [];
      const acceptedGood: unknown[] = [];
      let accepted = 0;
      let engineRefuses = 0;
      const create = (spec: unknown, name: string, dryRun?: string) =>
        c.clients.custom.createNamespacedCustomObject({
          group,
          version,
          namespace: c.namespace,
          plural,
          body: { apiVersion, kind, metadata: { name }, spec },
          ...(dryRun ? { dryRun } : {}),
        });
      // Server-side dry run: admission, the CRD schema and its CEL rules run; nothing is stored. A few at a time.
      for (let i = 0; i < specs.length; i += 16) {
        await Promise.all(
          specs.slice(i, i + 16).map(async (spec, j) => {
            try {
              await create(spec, `fz-${i + j}`, 'All');
              accepted++;
              const parsed = PortfolioSpec.safeParse(spec);
              if (!parsed.success) acceptedBad.push({ spec, error: describeIssues(parsed.error).join('; ') });
              else {
                acceptedGood.push(spec);
                if (engineError(parsed.data)) engineRefuses++;
              }
            } catch (err) {
              const msg = apiMessage(err);
              refused.push(msg);
              if (!/\bspec(\.|\b)/.test(msg)) unnamed.push(msg.slice(0, 300));
            }
          }),
        );
      }
      process.stdout.write(
        `spec fuzz: ${specs.length} specs, ${refused.length} refused by the API server, ${accepted} accepted ` +
          `(${acceptedBad.length} then refused by the operator's validation, ${engineRefuses} valid for both but refused by the engine's component registry)\n`,
      );
      expect(unnamed).toEqual([]);
      expect(refused.length + accepted).toBe(specs.length);
      expect(refused.length).toBeGreaterThan(specs.length / 4); // the generator really produces bad specs

      // What the API server stores, the operator's validation accepts too (the CRD is generated from the same
      // schema); should they ever differ, the operator must say so on the object. Create up to 20 of each for real.
      const sample = acceptedBad.slice(0, 20);
      const stored = acceptedGood.slice(0, 20);
      const before = await reconciles();
      for (const [i, s] of sample.entries()) await create(s.spec, `bad-${i}`);
      for (const [i, spec] of stored.entries()) await create(spec, `ok-${i}`);
      for (const [i, s] of sample.entries()) {
        const firstField = s.error.split(':')[0]!;
        await eventually(
          `InvalidSpec condition on bad-${i}`,
          async () => {
            const p = (await c.get(`bad-${i}`)) as
              | { status?: { conditions?: Array<{ type: string; status: string; reason: string; message: string }> } }
              | undefined;
            const cond = p?.status?.conditions?.find((x) => x.type === 'Accepted');
            return cond?.reason === 'InvalidSpec' && cond.status === 'False' && cond.message.includes(firstField)
              ? cond
              : undefined;
          },
          60_000,
        );
      }
      // Accepted specs are taken in: Pending (no node runs here) or Stopped, never Failed.
      for (const i of stored.keys()) {
        const p = await c.until(`ok-${i} has a phase`, `ok-${i}`, (x) => !!x.status?.phase, 60_000);
        expect({ i, phase: p.status?.phase }).toEqual({ i, phase: expect.stringMatching(/^(Pending|Stopped)$/) });
      }
      // A sentinel created after them: once the operator has acted on it, it has been through the queue.
      await create(valid, 'sentinel');
      await c.until('sentinel has a phase', 'sentinel', (p) => !!p.status?.phase, 60_000);
      const settled = await reconciles();
      // Another sentinel: between the two, a looping operator would keep reconciling the bad specs.
      await create(valid, 'sentinel-2');
      await c.until('sentinel-2 has a phase', 'sentinel-2', (p) => !!p.status?.phase, 60_000);
      const after = await reconciles();
      expect(settled - before).toBeLessThanOrEqual(10 * (sample.length + stored.length + 1) + 20);
      expect(after - settled).toBeLessThanOrEqual(15);
      // Still up and ready.
      expect(c.operator!.child.exitCode).toBeNull();
      expect((await fetch(`http://127.0.0.1:${c.operator!.healthPort}/readyz`)).status).toBe(200);
    },
    20 * 60_000,
  );
});
