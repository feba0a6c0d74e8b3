import { OwedCommits } from '../src/owed-commits.js';

describe('OwedCommits: a failed offset commit is made again once the group has settled', () => {
  let now = 0;
  const owed = () => new OwedCommits({ stableMs: 10000, heartbeatFreshMs: 3000, now: () => now });
  const holdsAll = () => true;
  const beat = (o: OwedCommits, fromMs: number, toMs: number) => {
    for (now = fromMs; now <= toMs; now += 1000) o.heartbeat();
    now = toMs;
  };

  test('nothing is due until heartbeats were answered without a break for stableMs after the failure', () => {
    const o = owed();
    now = 0;
    o.failed('t', 0, '5');
    expect(o.due(holdsAll)).toEqual([]);
    beat(o, 1000, 9000);
    expect(o.due(holdsAll)).toEqual([]);
    beat(o, 10000, 11000);
    expect(o.due(holdsAll)).toEqual([{ topic: 't', partition: 0, offset: '5' }]);
    // A heartbeat no longer answered (the broker away again): not now.
    now = 15000;
    expect(o.due(holdsAll)).toEqual([]);
  });

  test('a failure during the wait starts the wait again', () => {
    const o = owed();
    now = 0;
    o.failed('t', 0, '5');
    beat(o, 0, 8000);
    o.failed('t', 1, '9');
    beat(o, 9000, 17000);
    expect(o.due(holdsAll)).toEqual([]);
    beat(o, 18000, 19000);
    expect(o.due(holdsAll).map((c) => c.offset)).toEqual(['5', '9']);
  });

  test('a later commit asked for the partition replaces what it owed; a commit made clears it', () => {
    const o = owed();
    now = 0;
    o.failed('t', 0, '5');
    expect(o.owes('t', 0, '5')).toBe(true);
    o.asked('t', 0, '7');
    expect(o.owes('t', 0, '5')).toBe(false);
    expect(o.size).toBe(0);
    o.failed('t', 0, '7');
    o.asked('t', 0, '7'); // the retry itself
    expect(o.owes('t', 0, '7')).toBe(true);
    o.committed('t', 0, '7');
    expect(o.size).toBe(0);
  });

  test('a partition the consumer no longer holds is dropped: its next owner reads again from the last commit', () => {
    const o = owed();
    now = 0;
    o.failed('t', 0, '5');
    o.failed('t', 1, '3');
    beat(o, 0, 12000);
    expect(o.due((_t, p) => p === 1)).toEqual([{ topic: 't', partition: 1, offset: '3' }]);
    expect(o.size).toBe(1);
  });

  test('a gap in the heartbeats (the broker away again) or a new join starts the wait again', () => {
    const o = owed();
    now = 0;
    o.failed('t', 0, '5');
    beat(o, 1000, 9000);
    // Away for 20 s with nothing committed meanwhile: the first answer after it does not make the commit due.
    beat(o, 29000, 30000);
    expect(o.due(holdsAll)).toEqual([]);
    beat(o, 31000, 38000);
    o.unsettled();
    beat(o, 39000, 48000);
    expect(o.due(holdsAll)).toEqual([]);
    beat(o, 49000, 49000);
    expect(o.due(holdsAll)).toEqual([{ topic: 't', partition: 0, offset: '5' }]);
  });

  test('a commit given up on that lands after a later one took the group back: the later offset is owed again', () => {
    const o = owed();
    now = 0;
    o.asked('t', 0, '5'); // timed out, kafkajs goes on trying
    o.asked('t', 0, '9');
    o.landed('t', 0, '9');
    o.committed('t', 0, '9');
    expect(o.size).toBe(0);
    o.landed('t', 0, '5'); // the late one
    expect(o.owes('t', 0, '9')).toBe(true);
    // In order, a lower offset landing before the later one is asked for is no regression.
    const p = owed();
    p.asked('t', 0, '5');
    p.landed('t', 0, '5');
    expect(p.size).toBe(0);
  });
});
