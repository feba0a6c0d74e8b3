import { applyMergePatch } from '../src/kube/merge-patch.js';

describe('applyMergePatch (RFC 7386)', () => {
  test('merges objects, removes null keys, replaces arrays and scalars, leaves the target untouched', () => {
    const target = {
      phase: 'Pending',
      handoverTo: 'n1',
      summary: { cash: '1', equity: '2' },
      conditions: [{ type: 'A' }],
    };
    const out = applyMergePatch(target, {
      phase: 'Assigned',
      handoverTo: null,
      summary: { equity: '3', pnl: null },
      conditions: [{ type: 'B' }],
      epoch: 2,
    });
    expect(out).toEqual({
      phase: 'Assigned',
      summary: { cash: '1', equity: '3' },
      conditions: [{ type: 'B' }],
      epoch: 2,
    });
    expect(target.handoverTo).toBe('n1');
  });

  test('a missing target becomes an object; a non-object patch replaces', () => {
    expect(applyMergePatch(undefined, { a: 1, b: null })).toEqual({ a: 1 });
    expect(applyMergePatch({ a: 1 }, 'x')).toBe('x');
  });
});
