import { EventTimeMerge } from '../src/event-time-merge.js';

const drain = (m: EventTimeMerge<string>) => {
  m.seal();
  const out: string[] = [];
  for (let i = m.next(); i; i = m.next()) out.push(i.value);
  return out;
};

describe('EventTimeMerge: partitions handed on in event-time order', () => {
  test('S5.01 a backlog fetched partition by partition comes out in event-time order, ties to the lower partition', () => {
    const m = new EventTimeMerge<string>();
    m.assign([0, 1]);
    // Partition 0's whole backlog is fetched first (10:20, 10:25), then partition 1's (10:20, 10:22).
    m.push(0, 5n, 1020, 'p0@10:20', 7n);
    m.push(0, 6n, 1025, 'p0@10:25', 7n);
    m.seal();
    // Partition 1 is not known yet: it could still bring something older.
    expect(m.next()).toBeUndefined();
    m.push(1, 3n, 1020, 'p1@10:20', 5n);
    m.push(1, 4n, 1022, 'p1@10:22', 5n);
    expect(drain(m)).toEqual(['p0@10:20', 'p1@10:20', 'p1@10:22', 'p0@10:25']);
  });

  test('S5.01 a partition known to be read to its end does not hold the others; one that is behind does', () => {
    const m = new EventTimeMerge<string>();
    m.assign([0, 1, 2]);
    m.readTo(2, 10n); // at the join: nothing to read on partition 2
    m.push(0, 0n, 100, 'a', 2n); // partition 0 has one more message to fetch
    m.push(1, 0n, 200, 'b', 1n); // partition 1 is read to its end with this one
    m.seal();
    expect(m.next()?.value).toBe('a');
    // Partition 0 is behind its end and has nothing queued: b (later) must wait for it.
    expect(m.next()).toBeUndefined();
    m.push(0, 1n, 150, 'c', 2n);
    expect(drain(m)).toEqual(['c', 'b']);
    expect(m.size).toBe(0);
  });

  test('S9.01 a re-delivery after a rejoin is not queued twice; one already handed on is reported as such', () => {
    const m = new EventTimeMerge<string>();
    m.assign([0]);
    expect(m.push(0, 0n, 1, 'first', 2n)?.value).toBe('first');
    expect(m.push(0, 1n, 2, 'second', 2n)?.value).toBe('second');
    m.seal();
    expect(m.next()?.value).toBe('first');
    m.assign([0]); // rejoin: fetched again from the last commit
    expect(m.push(0, 0n, 1, 'first again', 2n)).toBeUndefined();
    expect(m.push(0, 1n, 2, 'second again', 2n)?.value).toBe('second');
    expect(drain(m)).toEqual(['second']);
  });

  test('a message without an event time keeps its place in its partition; drained messages are queued again when fetched again', () => {
    const m = new EventTimeMerge<string>();
    m.assign([0, 1]);
    m.push(0, 0n, 50, 'x', 3n);
    m.push(0, 1n, undefined, 'no time', 3n);
    m.push(0, 2n, 300, 'y', 3n);
    m.push(1, 0n, 100, 'z', 1n);
    m.seal();
    expect(m.next()?.value).toBe('x');
    expect(m.next()?.value).toBe('no time');
    expect(m.drain(0).map((i) => i.value)).toEqual(['y']);
    expect(m.push(0, 2n, 300, 'y again', 3n)?.value).toBe('y again');
    expect(drain(m)).toEqual(['z', 'y again']);
  });

  test('S5.01 what the fetch round under way brought waits until the round is over (its other batches may be older)', () => {
    const m = new EventTimeMerge<string>();
    m.assign([0, 1]);
    m.readTo(1, 0n);
    m.push(0, 0n, 200, 'later', 1n);
    expect(m.next()).toBeUndefined();
    m.push(1, 0n, 100, 'older', 1n); // the same fetch answer's next batch
    expect(drain(m)).toEqual(['older', 'later']);
  });

  test('force hands on past an unknown partition (memory bound)', () => {
    const m = new EventTimeMerge<string>();
    m.assign([0, 1]);
    m.push(0, 0n, 1, 'a', 5n);
    m.seal();
    expect(m.next()).toBeUndefined();
    expect(m.next(true)?.value).toBe('a');
  });
});
