import type { PortfolioStatus } from '@ginkgo/contracts';
import { decide, type DecideInput } from '../src/assignment.js';
import { nodeFromLease, type NodeInfo } from '../src/node-info.js';
import { pickNode, planRebalance } from '../src/placement.js';
import { mergeConditions } from '../src/portfolio-conditions.js';

const now = new Date('2026-01-05T02:00:00Z');
const node = (id: string, extra: Partial<NodeInfo> = {}): NodeInfo => ({
  id,
  markets: null,
  live: true,
  draining: false,
  overloaded: false,
  queueDepth: 0,
  expiresAt: now.getTime() + 10000,
  ...extra,
});
const nodesOf = (...ns: NodeInfo[]) => new Map(ns.map((n) => [n.id, n]));
const input = (over: Partial<DecideInput> = {}): DecideInput => ({
  generation: 1,
  deleting: false,
  market: 'cn',
  stopWanted: false,
  status: {},
  nodes: nodesOf(node('a'), node('b')),
  counts: new Map(),
  halted: { on: false, reason: '' },
  now,
  ...over,
});

describe('node leases', () => {
  const lease = (over: Record<string, unknown> = {}, annotations: Record<string, string> = {}) => ({
    metadata: { name: 'node-n1', annotations },
    spec: { holderIdentity: 'n1', leaseDurationSeconds: 5, renewTime: new Date(now.getTime() - 1000), ...over },
  });

  test('a node is live while its Lease is held and unexpired', () => {
    expect(nodeFromLease(lease(), now.getTime())?.live).toBe(true);
    expect(nodeFromLease(lease({ renewTime: new Date(now.getTime() - 6000) }), now.getTime())?.live).toBe(false);
    expect(nodeFromLease(lease({ renewTime: new Date(now.getTime() - 6000) }), now.getTime(), 2000)?.live).toBe(true);
    expect(nodeFromLease(lease({ holderIdentity: '' }), now.getTime())?.live).toBe(false);
    expect(nodeFromLease({ metadata: { name: 'other' } }, now.getTime())).toBeUndefined();
  });

  test('markets, draining and load come from annotations', () => {
    const n = nodeFromLease(
      lease(
        {},
        {
          'ginkgo.live/markets': 'cn, us',
          'ginkgo.live/draining': 'true',
          'ginkgo.live/load': '{"queueDepth":5,"capacity":3}',
        },
      ),
      now.getTime(),
    )!;
    expect(n).toMatchObject({ markets: ['cn', 'us'], draining: true, overloaded: false, queueDepth: 5, capacity: 3 });
    expect(nodeFromLease(lease({}, { 'ginkgo.live/load': '{"cpu":0.95}' }), now.getTime())?.overloaded).toBe(true);
    expect(nodeFromLease(lease({}, { 'ginkgo.live/load': '{"queueDepth":5000}' }), now.getTime())?.overloaded).toBe(
      true,
    );
    expect(nodeFromLease(lease({}, { 'ginkgo.live/load': 'not json' }), now.getTime())?.overloaded).toBe(false);
  });
});

describe('assignment (pure)', () => {
  test('S3.07 least-loaded live node; overloaded, draining, dead, full and wrong-market nodes get nothing', () => {
    const nodes = [
      node('a'),
      node('b'),
      node('c', { overloaded: true }),
      node('d', { draining: true }),
      node('e', { live: false }),
      node('f', { capacity: 0 }),
      node('g', { markets: ['us'] }),
    ];
    expect(
      pickNode(
        'cn',
        nodes,
        new Map([
          ['a', 3],
          ['b', 2],
        ]),
      )?.id,
    ).toBe('b');
    expect(
      pickNode(
        'cn',
        nodes,
        new Map([
          ['a', 2],
          ['b', 2],
        ]),
      )?.id,
    ).toBe('a');
    expect(
      pickNode(
        'us',
        nodes,
        new Map([
          ['a', 2],
          ['b', 2],
          ['g', 5],
        ]),
      )?.id,
    ).toBe('a');
    expect(pickNode('cn', [node('c', { overloaded: true }), node('d', { draining: true })], new Map())).toBeUndefined();
  });

  test('S2.01 a new valid portfolio is assigned with epoch 1', () => {
    const d = decide(input());
    expect(d.patch).toMatchObject({ assignedNode: 'a', epoch: 1, phase: 'Assigned', observedGeneration: 1 });
    expect(d.assigned).toEqual({ node: 'a', epoch: 1, reason: 'Assigned' });
    expect(d.conditions.map((c) => [c.type, c.status])).toEqual([
      ['Accepted', 'True'],
      ['Assigned', 'True'],
      ['Halted', 'False'],
    ]);
  });

  test('an invalid spec fails with Accepted=False naming the field', () => {
    const d = decide(input({ specError: 'strategy.params.x: bad' }));
    expect(d.patch.phase).toBe('Failed');
    expect(d.conditions[0]).toMatchObject({
      type: 'Accepted',
      status: 'False',
      reason: 'InvalidSpec',
      message: 'strategy.params.x: bad',
    });
    expect(d.assigned).toBeUndefined();
  });

  test('sticky: a portfolio on a live node stays and its node-written phase is untouched', () => {
    const status: PortfolioStatus = { assignedNode: 'b', epoch: 4, phase: 'Running', observedGeneration: 1 };
    const d = decide(input({ status, counts: new Map([['b', 10]]) }));
    expect(d.patch).toEqual({});
    expect(d.assigned).toBeUndefined();
  });

  test('S9.10 failover: node dead -> another node, epoch + 1', () => {
    const status: PortfolioStatus = { assignedNode: 'a', epoch: 4, phase: 'Running', observedGeneration: 1 };
    const d = decide(input({ status, nodes: nodesOf(node('a', { live: false }), node('b')) }));
    expect(d.patch).toMatchObject({ assignedNode: 'b', epoch: 5, phase: 'Assigned' });
    expect(d.assigned?.reason).toBe('FailedOver');
  });

  test('no node left: Pending, unassigned, epoch kept so the next assignment still fences', () => {
    const status: PortfolioStatus = { assignedNode: 'a', epoch: 4, phase: 'Running' };
    const d = decide(input({ status, nodes: nodesOf(node('a', { live: false })) }));
    expect(d.patch).toMatchObject({ assignedNode: null, phase: 'Pending' });
    expect(d.patch.epoch).toBeUndefined();
    expect(d.waiting).toBeDefined();
  });

  test('S3.06 drain: moves off a draining node, or stays when nowhere else', () => {
    const status: PortfolioStatus = { assignedNode: 'a', epoch: 2, phase: 'Running' };
    const moved = decide(input({ status, nodes: nodesOf(node('a', { draining: true }), node('b')) }));
    expect(moved.assigned).toMatchObject({ node: 'b', epoch: 3, reason: 'Drained', from: 'a' });
    const stays = decide(input({ status, nodes: nodesOf(node('a', { draining: true })) }));
    expect(stays.assigned).toBeUndefined();
    expect(stays.patch.assignedNode).toBeUndefined();
  });

  test('S2.06 stop: stays on its live node; with no live node it is Stopped and unassigned', () => {
    const status: PortfolioStatus = { assignedNode: 'a', epoch: 2, phase: 'Running', observedGeneration: 1 };
    expect(decide(input({ status, stopWanted: true })).patch).toEqual({});
    const d = decide(input({ status, stopWanted: true, nodes: nodesOf(node('a', { live: false }), node('b')) }));
    expect(d.patch).toMatchObject({ assignedNode: null, phase: 'Stopped' });
    expect(decide(input({ stopWanted: true })).patch).toMatchObject({ phase: 'Stopped' });
  });

  test('S8.02 halt sets phase Halted and condition Halted=True; lifting it restores Assigned', () => {
    const status: PortfolioStatus = { assignedNode: 'a', epoch: 2, phase: 'Running' };
    const h = decide(input({ status, halted: { on: true, reason: 'drill' } }));
    expect(h.patch.phase).toBe('Halted');
    expect(h.conditions.find((c) => c.type === 'Halted')).toMatchObject({ status: 'True', message: 'drill' });
    const lifted = decide(input({ status: { ...status, phase: 'Halted' } }));
    expect(lifted.patch.phase).toBe('Assigned');
  });

  test('S8.01 rebalance target moves a portfolio with epoch + 1', () => {
    const status: PortfolioStatus = { assignedNode: 'a', epoch: 2, phase: 'Running' };
    const d = decide(input({ status, preferredNode: 'b' }));
    expect(d.assigned).toMatchObject({ node: 'b', epoch: 3, reason: 'Rebalanced' });
  });

  test('S3.05 planRebalance evens counts out, respects markets and draining', () => {
    const placements = Array.from({ length: 6 }, (_, i) => ({ name: `p${i}`, market: 'cn', node: 'a' }));
    const moves = planRebalance(placements, [node('a'), node('b'), node('c')]);
    expect(moves).toHaveLength(4);
    const after = new Map([
      ['a', 6],
      ['b', 0],
      ['c', 0],
    ]);
    for (const m of moves) {
      after.set(m.from, after.get(m.from)! - 1);
      after.set(m.to, after.get(m.to)! + 1);
    }
    expect([...after.values()]).toEqual([2, 2, 2]);
    expect(planRebalance(placements, [node('a'), node('b', { draining: true })])).toEqual([]);
    expect(planRebalance(placements, [node('a'), node('b', { markets: ['us'] })])).toEqual([]);
    // Balanced already: no needless moves.
    expect(
      planRebalance(
        [
          { name: 'x', market: 'cn', node: 'a' },
          { name: 'y', market: 'cn', node: 'b' },
        ],
        [node('a'), node('b')],
      ),
    ).toEqual([]);
  });

  test('mergeConditions keeps the node-owned ones and transition times of unchanged statuses', () => {
    const existing = [
      { type: 'Ready', status: 'True' as const, reason: 'Running', message: 'm', lastTransitionTime: 't0' },
      {
        type: 'Accepted',
        status: 'True' as const,
        reason: 'Valid',
        message: 'spec is valid',
        lastTransitionTime: 't1',
        observedGeneration: 1,
      },
    ];
    expect(mergeConditions(existing, [{ ...existing[1]!, lastTransitionTime: 't2' }])).toBeUndefined();
    const next = mergeConditions(existing, [{ ...existing[1]!, observedGeneration: 2, lastTransitionTime: 't2' }])!;
    expect(next[0]).toBe(existing[0]);
    expect(next[1]).toMatchObject({ observedGeneration: 2, lastTransitionTime: 't1' });
  });

  describe('planned moves wait for the node to release (hand-over)', () => {
    const draining = nodesOf(node('a', { draining: true }), node('b'));
    const base = { assignedNode: 'a', epoch: 3, phase: 'Running' as const };

    test('a drain first asks the live node to stop and persist: handoverTo, same epoch', () => {
      const d = decide(input({ nodes: draining, status: base, handoverTimeoutMs: 5000 }));
      expect(d.patch).toMatchObject({ handoverTo: 'b', handoverSince: now.toISOString() });
      expect(d.patch.assignedNode).toBeUndefined();
      expect(d.patch.epoch).toBeUndefined();
      expect(d.conditions.find((c) => c.type === 'Assigned')?.reason).toBe('HandingOver');
      expect(d.recheckMs).toBe(5000);
      expect(d.handover).toEqual({ from: 'a', to: 'b', reason: 'Drained' });
    });

    /** A hand-over to b that began a second ago; the old node has released up to `releasedEpoch`. */
    const handingOverToB = (releasedEpoch: number) => ({
      ...base,
      handoverTo: 'b',
      handoverSince: new Date(now.getTime() - 1000).toISOString(),
      releasedEpoch,
    });

    test('the release (releasedEpoch = epoch) moves it with epoch + 1 and clears the hand-over', () => {
      const status = handingOverToB(3);
      const d = decide(input({ nodes: draining, status, handoverTimeoutMs: 5000 }));
      expect(d.patch).toMatchObject({ assignedNode: 'b', epoch: 4, handoverTo: null, handoverSince: null });
      expect(d.assigned).toMatchObject({ node: 'b', epoch: 4, reason: 'Drained', from: 'a' });
      expect(d.handoverTimedOut).toBeUndefined();
    });

    test('no release: waits, then moves anyway after the timeout', () => {
      const waiting = handingOverToB(2);
      const w = decide(input({ nodes: draining, status: waiting, handoverTimeoutMs: 5000 }));
      expect(w.patch.assignedNode).toBeUndefined();
      expect(w.recheckMs).toBe(4000);
      const late = { ...waiting, handoverSince: new Date(now.getTime() - 6000).toISOString() };
      const d = decide(input({ nodes: draining, status: late, handoverTimeoutMs: 5000 }));
      expect(d.assigned).toMatchObject({ node: 'b', epoch: 4 });
      expect(d.handoverTimedOut).toBe(true);
    });

    test('a rebalance target is remembered in status (the preferred node is asked for once)', () => {
      const d = decide(input({ status: base, preferredNode: 'b', handoverTimeoutMs: 5000 }));
      expect(d.patch.handoverTo).toBe('b');
      const status = { ...base, handoverTo: 'b', handoverSince: now.toISOString(), releasedEpoch: 3 };
      expect(decide(input({ status, handoverTimeoutMs: 5000 })).assigned).toMatchObject({
        node: 'b',
        reason: 'Rebalanced',
        epoch: 4,
      });
    });

    test('the node dies during the hand-over: plain failover; a target that stops accepting cancels it', () => {
      const status = { ...base, handoverTo: 'b', handoverSince: now.toISOString() };
      const dead = decide(
        input({ nodes: nodesOf(node('a', { live: false }), node('b')), status, handoverTimeoutMs: 5000 }),
      );
      expect(dead.assigned).toMatchObject({ node: 'b', reason: 'FailedOver', epoch: 4 });
      expect(dead.patch).toMatchObject({ handoverTo: null, handoverSince: null });
      const gone = decide(
        input({ nodes: nodesOf(node('a'), node('b', { live: false })), status, handoverTimeoutMs: 5000 }),
      );
      expect(gone.patch).toMatchObject({ handoverTo: null, handoverSince: null });
      expect(gone.assigned).toBeUndefined();
    });

    test('timeout 0 (or a dead node) moves at once, as before', () => {
      expect(decide(input({ nodes: draining, status: base })).assigned).toMatchObject({
        node: 'b',
        epoch: 4,
        reason: 'Drained',
      });
    });
  });
});

describe('components', () => {
  const required = ['strategy:@acme/strategies/vwap-reversion', 'sizer:fixed-volume'];
  const has = (...names: string[]) => new Set(names);

  test('nodes advertise components on their Lease; a portfolio goes only to a node that has all of them', () => {
    const lease = {
      metadata: {
        name: 'node-n1',
        annotations: {
          'ginkgo.live/components': JSON.stringify([
            { kind: 'strategy', name: 'ma-cross', version: '0.1.0', params: {} },
            { kind: 'sizer', name: 'fixed-volume', version: '0.1.0' },
          ]),
        },
      },
      spec: { holderIdentity: 'n1', leaseDurationSeconds: 5, renewTime: new Date(now.getTime() - 1000) },
    };
    expect([...(nodeFromLease(lease, now.getTime())!.components ?? [])]).toEqual([
      'strategy:ma-cross',
      'sizer:fixed-volume',
    ]);
    const nodes = nodesOf(
      node('a', { components: has('strategy:ma-cross', 'sizer:fixed-volume') }),
      node('b', { components: has(...required) }),
    );
    const earlier = [
      {
        type: 'ComponentsAvailable',
        status: 'False' as const,
        reason: 'MissingComponents',
        message: '',
        lastTransitionTime: now.toISOString(),
      },
    ];
    const d = decide(input({ nodes, required, status: { phase: 'Pending', conditions: earlier } }));
    expect(d.assigned?.node).toBe('b');
    expect(d.conditions.find((c) => c.type === 'ComponentsAvailable')).toMatchObject({ status: 'True' });
    // A node that advertises nothing (older version) is not judged.
    expect(decide(input({ nodes: nodesOf(node('old')), required })).assigned?.node).toBe('old');
  });

  test('no node has the components: Pending with ComponentsAvailable=False naming the missing ones', () => {
    const nodes = nodesOf(node('a', { components: has('strategy:ma-cross', 'sizer:fixed-volume') }));
    const d = decide(input({ nodes, required }));
    expect(d.assigned).toBeUndefined();
    expect(d.patch.phase).toBe('Pending');
    expect(d.conditions.find((c) => c.type === 'ComponentsAvailable')).toMatchObject({
      status: 'False',
      reason: 'MissingComponents',
      message: 'no node has the components strategy:@acme/strategies/vwap-reversion (nodes a lack them)',
    });
    expect(d.waiting).toContain('strategy:@acme/strategies/vwap-reversion');
  });

  test('a portfolio whose node lacks a component of the new spec moves to a node that has it', () => {
    const nodes = nodesOf(
      node('a', { components: has('strategy:ma-cross', 'sizer:fixed-volume') }),
      node('b', { components: has(...required) }),
    );
    const d = decide(input({ nodes, required, status: { assignedNode: 'a', epoch: 3, phase: 'Running' } }));
    expect(d.assigned).toMatchObject({ node: 'b', epoch: 4 });
  });
});
