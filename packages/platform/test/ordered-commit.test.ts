import { OrderedCommits, PartitionCommits } from '../src/ordered-commit.js';

function deferred() {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

function partition(opts: { every?: number; intervalMs?: number; now?: () => number } = {}) {
  const committed: string[] = [];
  const failures: { offset: string; reason: unknown }[] = [];
  const p = new PartitionCommits({
    every: opts.every ?? 1000,
    intervalMs: opts.intervalMs ?? 60_000,
    now: opts.now ?? (() => 0),
    commit: async (next) => void committed.push(next),
    onFailure: (offset, reason) => void failures.push({ offset, reason }),
  });
  return { p, committed, failures };
}

describe('ordered commits per partition', () => {
  test('commits the offset after the last message once everything handed over has settled', async () => {
    const { p, committed } = partition();
    for (const o of ['10', '11', '12']) p.add(o, Promise.resolve());
    p.flush();
    await p.drained();
    expect(committed).toEqual(['13']);
  });

  test('a message settled out of order does not advance the commit past an earlier one still open', async () => {
    const { p, committed } = partition();
    const d = [deferred(), deferred(), deferred()];
    d.forEach((x, i) => p.add(String(i), x.promise));
    p.flush();
    d[2]!.resolve();
    d[1]!.resolve();
    await tick();
    expect(committed).toEqual([]);
    d[0]!.resolve();
    await p.drained();
    expect(committed).toEqual(['3']);
  });

  test('commits follow the hand-over order across flushes, even when a later group settles first', async () => {
    const { p, committed } = partition();
    const first = deferred();
    p.add('0', first.promise);
    p.flush();
    p.add('1', Promise.resolve());
    p.flush();
    await tick();
    expect(committed).toEqual([]);
    first.resolve();
    await p.drained();
    expect(committed).toEqual(['1', '2']);
  });

  test('a failed message stops the partition: the commit stops before it and nothing after it is committed', async () => {
    const { p, committed, failures } = partition();
    const err = new Error('save failed');
    p.add('5', Promise.resolve());
    p.add('6', Promise.reject(err));
    p.add('7', Promise.resolve());
    p.flush();
    p.add('8', Promise.resolve());
    p.flush();
    await p.drained();
    expect(committed).toEqual(['6']);
    expect(failures).toEqual([{ offset: '6', reason: err }]);
    expect(p.failed).toBe(true);
  });

  test('a failure of the first message commits nothing', async () => {
    const { p, committed, failures } = partition();
    p.add('0', Promise.reject(new Error('x')));
    p.flush();
    await p.drained();
    expect(committed).toEqual([]);
    expect(failures.map((f) => f.offset)).toEqual(['0']);
  });

  test('flushes by itself after `every` messages or `intervalMs`, not before', async () => {
    let now = 0;
    const { p, committed } = partition({ every: 3, intervalMs: 1000, now: () => now });
    p.add('0', Promise.resolve());
    p.add('1', Promise.resolve());
    await p.drained();
    expect(committed).toEqual([]);
    p.add('2', Promise.resolve());
    await p.drained();
    expect(committed).toEqual(['3']);
    now = 1000;
    p.add('3', Promise.resolve());
    await p.drained();
    expect(committed).toEqual(['3', '4']);
  });

  test('a commit made again does not wait for messages still to settle, and is dropped once a later commit replaced it', async () => {
    const { p, committed } = partition();
    p.add('0', Promise.resolve());
    p.flush();
    await p.drained();
    expect(committed).toEqual(['1']);
    const open = deferred();
    p.add('1', open.promise);
    p.flush();
    let owes = '1';
    await p.recommit('1', () => owes === '1');
    expect(committed).toEqual(['1', '1']);
    open.resolve();
    await p.drained();
    expect(committed).toEqual(['1', '1', '2']);
    owes = '2';
    await p.recommit('1', () => owes === '1');
    expect(committed).toEqual(['1', '1', '2']);
  });

  test('offsets beyond 2^53 are committed exactly', async () => {
    const { p, committed } = partition();
    p.add('9007199254740993', Promise.resolve());
    p.flush();
    await p.drained();
    expect(committed).toEqual(['9007199254740994']);
  });

  test('OrderedCommits keeps one PartitionCommits per topic and partition and drains them all', async () => {
    const made: string[] = [];
    const committed: string[] = [];
    const all = new OrderedCommits((topic, partition) => {
      made.push(`${topic}:${partition}`);
      return new PartitionCommits({
        commit: async (next) => void committed.push(`${topic}:${partition}@${next}`),
        onFailure: () => undefined,
      });
    });
    expect(all.of('a', 0)).toBe(all.of('a', 0));
    all.of('a', 1);
    expect(made).toEqual(['a:0', 'a:1']);
    const late = deferred();
    all.of('a', 0).add('0', Promise.resolve());
    all.of('a', 1).add('4', late.promise);
    all.of('a', 0).flush();
    all.of('a', 1).flush();
    const drained = all.drained();
    late.resolve();
    await drained;
    expect(committed.sort()).toEqual(['a:0@1', 'a:1@5']);
  });
});
