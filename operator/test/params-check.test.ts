import { z } from 'zod';
import { PortfolioSpec, type ComponentAdvert } from '@ginkgo/contracts';
import { decide } from '../src/assignment.js';
import { nodeFromLease, type NodeInfo } from '../src/node-info.js';
import { AdvertisedParamsCheck } from '../src/params-check.js';

const now = new Date('2026-01-05T02:00:00Z');
/** Adverts as a node sends them: params as the JSON Schema of the component's zod schema. */
const advert = (
  kind: ComponentAdvert['kind'],
  name: string,
  params: z.ZodType,
  version = '0.1.0',
): ComponentAdvert => ({
  kind,
  name,
  version,
  params: z.toJSONSchema(params, { io: 'input', unrepresentable: 'any' }),
});
const maCross = z.strictObject({ short: z.number().int().positive(), long: z.number().int().positive() });
const builtins = [
  advert('strategy', 'ma-cross', maCross),
  advert('risk', 'loss-limit', z.strictObject({ lossRatio: z.number().positive().max(1) })),
  advert('sizer', 'fixed-volume', z.strictObject({ volume: z.number().int().positive() })),
];
const lease = (id: string, adverts: ComponentAdvert[] | undefined, markets = '') => ({
  metadata: {
    name: `node-${id}`,
    annotations: {
      ...(adverts ? { 'ginkgo.live/components': JSON.stringify(adverts) } : {}),
      ...(markets ? { 'ginkgo.live/markets': markets } : {}),
    },
  },
  spec: { holderIdentity: id, leaseDurationSeconds: 5, renewTime: new Date(now.getTime() - 1000) },
});
const nodeOf = (id: string, adverts: ComponentAdvert[] | undefined, markets = ''): NodeInfo =>
  nodeFromLease(lease(id, adverts, markets), now.getTime())!;
const spec = (over: Record<string, unknown> = {}) =>
  PortfolioSpec.parse({
    market: 'cn',
    initialCash: '1000000.00',
    strategy: { name: 'ma-cross', params: { short: 5, long: 20 } },
    riskManagers: [{ name: 'loss-limit', params: { lossRatio: 0.05 } }],
    sizer: { name: 'fixed-volume', params: { volume: 100 } },
    interestedCodes: ['600000.SH'],
    ...over,
  });

describe('params checked against the schemas the nodes advertise', () => {
  const check = new AdvertisedParamsCheck();

  test('valid params pass; every bad field is named with its component and the problem', () => {
    const nodes = [nodeOf('n1', builtins)];
    expect(check.problems(spec(), nodes)).toBeUndefined();
    const problems = check.problems(
      spec({
        strategy: { name: 'ma-cross', params: { short: 'five', long: 20, fast: 5 } },
        riskManagers: [
          { name: 'loss-limit', params: { lossRatio: 0.05 } },
          { name: 'loss-limit', params: { lossRatio: 3 } },
        ],
      }),
      nodes,
    );
    expect(problems).toContain('spec.strategy.params.short: Invalid input: expected number, received string');
    expect(problems).toContain('spec.strategy.params: Unrecognized key: "fast"');
    expect(problems).toMatch(/spec\.riskManagers\[1\]\.params\.lossRatio: Too big/);
    expect(problems).not.toContain('spec.riskManagers[0]');
    expect(problems).not.toContain('spec.sizer');
  });

  test('only nodes that could run the portfolio judge it; one that accepts the params is enough', () => {
    const bad = spec({ strategy: { name: 'ma-cross', params: { short: 5, long: 20, band: 0.1 } } });
    const v2 = [
      advert('strategy', 'ma-cross', maCross.extend({ band: z.number().optional() }), '0.2.0'),
      ...builtins.slice(1),
    ];
    // Rejected by the 0.1.0 node, accepted by the 0.2.0 node: it can be placed (on the node that takes it).
    expect(check.problems(bad, [nodeOf('old', builtins), nodeOf('new', v2)])).toBeUndefined();
    expect(check.problems(bad, [nodeOf('old', builtins)])).toContain('Unrecognized key: "band"');
    // Not judged by: a node without adverts (it checks at start), one of another market, one lacking a component.
    expect(check.problems(bad, [nodeOf('plain', undefined)])).toBeUndefined();
    // A node that could run it without judging it (an older image, no adverts) accepts it next to one that refuses.
    expect(check.problems(bad, [nodeOf('old', builtins), nodeOf('plain', undefined)])).toBeUndefined();
    expect(check.problems(bad, [nodeOf('hk', builtins, 'hk')])).toBeUndefined();
    expect(check.problems(bad, [nodeOf('partial', builtins.slice(0, 2))])).toBeUndefined();
    // A component advertised without a schema is not judged; the others still are.
    const noSchema = builtins.map((a) => (a.kind === 'strategy' ? { ...a, params: undefined } : a));
    expect(check.problems(bad, [nodeOf('n', noSchema)])).toBeUndefined();
    expect(
      check.problems(spec({ sizer: { name: 'fixed-volume', params: { volume: -1 } } }), [nodeOf('n', noSchema)]),
    ).toMatch(/^spec\.sizer\.params\.volume: Too small/);
  });

  test('a refused spec fails with Accepted=False/InvalidParams, is not placed, and waits for other nodes', () => {
    const d = decide({
      generation: 2,
      deleting: false,
      paramsError: 'spec.strategy.params.short: Invalid input: expected number, received string',
      market: 'cn',
      stopWanted: false,
      status: { phase: 'Pending' },
      nodes: new Map([['n1', nodeOf('n1', builtins)]]),
      counts: new Map(),
      halted: { on: false, reason: '' },
      now,
    });
    expect(d.assigned).toBeUndefined();
    expect(d.patch.phase).toBe('Failed');
    expect(d.conditions).toEqual([
      expect.objectContaining({
        type: 'Accepted',
        status: 'False',
        reason: 'InvalidParams',
        message: 'spec.strategy.params.short: Invalid input: expected number, received string',
        observedGeneration: 2,
      }),
    ]);
    expect(d.waiting).toBeDefined();
  });
});
