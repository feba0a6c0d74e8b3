import { LoadIndex } from '../src/load-index.js';

describe('LoadIndex', () => {
  test('counts portfolios per node as they are tracked, reserved, moved and removed', () => {
    const load = new LoadIndex();
    load.track({ metadata: { name: 'p1' }, status: { assignedNode: 'a' } });
    load.track({ metadata: { name: 'p2' }, status: { assignedNode: 'a' } });
    load.track({ metadata: { name: 'p2' }, status: { assignedNode: 'a' } });
    load.track({ metadata: { name: 'p3' } });
    expect(load.countsWithout('p3')).toEqual(new Map([['a', 2]]));
    // Where a portfolio is now does not count against it staying there.
    expect(load.countsWithout('p1')).toEqual(new Map([['a', 1]]));
    load.set('p3', 'b');
    load.set('p2', 'b');
    expect(load.countsWithout('none')).toEqual(
      new Map([
        ['a', 1],
        ['b', 2],
      ]),
    );
    expect(load.portfoliosOn(new Set(['b'])).sort()).toEqual(['p2', 'p3']);
    load.set('p3', null);
    load.remove('p1');
    expect(load.nodeOf('p1')).toBeUndefined();
    expect(load.nodeOf('p2')).toBe('b');
    expect(load.countsWithout('none')).toEqual(
      new Map([
        ['a', 0],
        ['b', 1],
      ]),
    );
  });
});
