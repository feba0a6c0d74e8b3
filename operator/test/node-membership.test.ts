import type { Logger } from '@ginkgo/platform';
import { nodeLease } from '@ginkgo/contracts';
import { defaultOverloadPolicy, type LeaseLike } from '../src/node-info.js';
import { NodeMembership } from '../src/node-membership.js';

describe('NodeMembership', () => {
  const logger = { info: () => undefined, warn: () => undefined } as unknown as Logger;
  const gauge = () => {
    const values: Record<string, number> = {};
    return { values, set: (l: Record<string, string>, v: number) => void (values[l.state ?? ''] = v) };
  };
  const lease = (id: string, now: number, annotations: Record<string, string> = {}, holder = id): LeaseLike => ({
    metadata: { name: `${nodeLease.namePrefix}${id}`, annotations },
    spec: { holderIdentity: holder, leaseDurationSeconds: 10, renewTime: new Date(now - 1000) },
  });

  test('reports changed nodes, capacity up, scale-out after the first full view and market changes', () => {
    const nodes = gauge();
    const m = new NodeMembership({
      nodeLeaseGraceMs: 0,
      overload: defaultOverloadPolicy,
      logger,
      metrics: { nodes, failoverDetectSeconds: gauge() },
    });
    const now = Date.now();
    expect(m.refresh([lease('a', now)], true, now)).toEqual({
      changed: ['a'],
      capacityUp: true,
      scaleOut: false,
      marketsChanged: false,
    });
    expect(m.refresh([lease('a', now)], true, now).changed).toEqual([]);
    expect(m.refresh([lease('a', now), lease('b', now)], true, now)).toEqual({
      changed: ['b'],
      capacityUp: true,
      scaleOut: true,
      marketsChanged: false,
    });
    const markets = { [nodeLease.marketsAnnotation]: 'cn' };
    expect(m.refresh([lease('a', now, markets), lease('b', now)], true, now)).toEqual({
      changed: ['a'],
      capacityUp: true,
      scaleOut: false,
      marketsChanged: true,
    });
    const draining = { ...markets, [nodeLease.drainingAnnotation]: 'true' };
    expect(m.refresh([lease('a', now, draining), lease('b', now, {}, 'other')], true, now)).toEqual({
      changed: ['a', 'b'],
      capacityUp: false,
      scaleOut: false,
      marketsChanged: false,
    });
    m.updateStats();
    expect(nodes.values).toEqual({ live: 0, draining: 1, overloaded: 0, dead: 1 });
    expect(m.list().map((n) => n.id)).toEqual(['a', 'b']);
  });

  test('a node that starts advertising other components or other params schemas counts as new capacity', () => {
    const m = new NodeMembership({
      nodeLeaseGraceMs: 0,
      overload: defaultOverloadPolicy,
      logger,
      metrics: { nodes: gauge(), failoverDetectSeconds: gauge() },
    });
    const now = Date.now();
    const adverts = (params: object) => ({
      [nodeLease.componentsAnnotation]: JSON.stringify([{ kind: 'strategy', name: 'ma-cross', version: '1', params }]),
    });
    m.refresh([lease('a', now, adverts({ type: 'object' }))], true, now);
    expect(m.refresh([lease('a', now, adverts({ type: 'object' }))], true, now).changed).toEqual([]);
    expect(m.refresh([lease('a', now, adverts({ type: 'object', required: ['short'] }))], true, now)).toMatchObject({
      changed: ['a'],
      capacityUp: true,
    });
  });
});
