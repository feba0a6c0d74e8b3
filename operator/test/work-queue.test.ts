import { jest } from '@jest/globals';
import type { Logger } from '@ginkgo/platform';
import { WorkQueue, conflictRetryMs, failureKind, retryDelayMs, type WorkQueueMetrics } from '../src/work-queue.js';

/** A run that finishes when the test says so. */
interface Run {
  key: string;
  resolve: () => void;
  reject: (err: Error) => void;
}

function harness(concurrency = 2, timeoutMs?: number) {
  const runs: Run[] = [];
  const running = new Map<string, number>();
  let maxSameKey = 0;
  const results: string[] = [];
  const logs: Array<{ level: string; fields: Record<string, unknown> }> = [];
  const depth: number[] = [];
  const metrics: WorkQueueMetrics = {
    queueDepth: { set: (_l, v) => void depth.push(v) },
    reconciles: { inc: (l) => void results.push(l.result!) },
    reconcileSeconds: { inc: () => undefined },
  };
  const logger = {
    warn: (fields: Record<string, unknown>) => logs.push({ level: 'warn', fields }),
    debug: (fields: Record<string, unknown>) => logs.push({ level: 'debug', fields }),
  } as unknown as Logger;
  const queue = new WorkQueue({
    process: (key) =>
      new Promise<void>((resolve, reject) => {
        const n = (running.get(key) ?? 0) + 1;
        running.set(key, n);
        maxSameKey = Math.max(maxSameKey, n);
        const done = () => running.set(key, (running.get(key) ?? 1) - 1);
        runs.push({
          key,
          resolve: () => (done(), resolve()),
          reject: (err) => (done(), reject(err)),
        });
      }),
    concurrency,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    logger,
    metrics,
  });
  const active = () => runs.filter((r) => (running.get(r.key) ?? 0) > 0);
  const keys = () => runs.map((r) => r.key);
  return { queue, runs, keys, active, results, logs, depth, maxSameKey: () => maxSameKey };
}

const conflict = () => Object.assign(new Error('Conflict'), { code: 409 });
const settle = () => jest.advanceTimersByTimeAsync(0);

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('WorkQueue', () => {
  test('does nothing before start() and after stop()', async () => {
    const h = harness();
    h.queue.add('a');
    expect(h.runs).toHaveLength(0);
    h.queue.start();
    h.queue.add('a');
    expect(h.keys()).toEqual(['a']);
    h.queue.stop();
    h.queue.add('b');
    expect(h.keys()).toEqual(['a']);
    expect(h.queue.active).toBe(false);
  });

  test('a key waits once however often it is added, in the order keys were added', async () => {
    const h = harness(1);
    h.queue.start();
    h.queue.add('x');
    for (const k of ['a', 'b', 'a', 'a', 'c', 'b']) h.queue.add(k);
    expect(h.queue.depth).toBe(3);
    for (let i = 0; i < 4; i++) {
      h.runs[i]!.resolve();
      await settle();
    }
    expect(h.keys()).toEqual(['x', 'a', 'b', 'c']);
    expect(h.results).toEqual(['ok', 'ok', 'ok', 'ok']);
  });

  test('at most `concurrency` keys run at once; the next starts when one finishes', async () => {
    const h = harness(2);
    h.queue.start();
    for (const k of ['a', 'b', 'c', 'd']) h.queue.add(k);
    expect(h.keys()).toEqual(['a', 'b']);
    expect(h.queue.depth).toBe(2);
    h.runs[1]!.resolve();
    await settle();
    expect(h.keys()).toEqual(['a', 'b', 'c']);
    expect(h.active().map((r) => r.key)).toEqual(['a', 'c']);
  });

  test('a key added while it runs is not run a second time at once: it runs again once, right after', async () => {
    const h = harness(4);
    h.queue.start();
    h.queue.add('a');
    h.queue.add('a');
    h.queue.add('a');
    expect(h.keys()).toEqual(['a']);
    expect(h.queue.depth).toBe(0);
    h.runs[0]!.resolve();
    await settle();
    expect(h.keys()).toEqual(['a', 'a']);
    h.runs[1]!.resolve();
    await settle();
    expect(h.keys()).toEqual(['a', 'a']);
    expect(h.maxSameKey()).toBe(1);
  });

  test('a failing key backs off on its own: 200 ms doubling up to 30 s; others go on; success resets it', async () => {
    expect([1, 2, 3, 9, 10, 20].map(retryDelayMs)).toEqual([200, 400, 800, 30000, 30000, 30000]);
    const h = harness(2);
    h.queue.start();
    h.queue.add('a');
    h.runs[0]!.reject(new Error('boom'));
    await settle();
    h.queue.add('b');
    expect(h.keys()).toEqual(['a', 'b']);
    await jest.advanceTimersByTimeAsync(199);
    expect(h.keys()).toEqual(['a', 'b']);
    await jest.advanceTimersByTimeAsync(1);
    expect(h.keys()).toEqual(['a', 'b', 'a']);
    h.runs[2]!.reject(new Error('boom again'));
    await settle();
    await jest.advanceTimersByTimeAsync(399);
    expect(h.keys()).toHaveLength(3);
    await jest.advanceTimersByTimeAsync(1);
    expect(h.keys()).toEqual(['a', 'b', 'a', 'a']);
    h.runs[3]!.resolve();
    await settle();
    // After a success the next failure starts from 200 ms again.
    h.queue.add('a');
    h.runs[4]!.reject(new Error('once more'));
    await settle();
    await jest.advanceTimersByTimeAsync(200);
    expect(h.keys()).toEqual(['a', 'b', 'a', 'a', 'a', 'a']);
    expect(h.results).toEqual(['error', 'error', 'ok', 'error']);
    expect(h.logs.map((l) => [l.level, l.fields.retryInMs])).toEqual([
      ['warn', 200],
      ['warn', 400],
      ['warn', 200],
    ]);
  });

  test('a conflict retries after 20 ms, quietly; a lost answer backs off, quietly', async () => {
    expect(failureKind(conflict())).toBe('conflict');
    expect(failureKind(new Error('Premature close'))).toBe('lost_answer');
    expect(failureKind(new Error('ECONNRESET'))).toBe('error');
    const h = harness(2);
    h.queue.start();
    h.queue.add('a');
    h.runs[0]!.reject(conflict());
    await settle();
    await jest.advanceTimersByTimeAsync(conflictRetryMs);
    expect(h.keys()).toEqual(['a', 'a']);
    h.runs[1]!.reject(new Error('Premature close'));
    await settle();
    await jest.advanceTimersByTimeAsync(399);
    expect(h.keys()).toEqual(['a', 'a']);
    await jest.advanceTimersByTimeAsync(1);
    expect(h.keys()).toEqual(['a', 'a', 'a']);
    expect(h.results).toEqual(['conflict', 'lost_answer']);
    expect(h.logs.map((l) => [l.level, l.fields.code])).toEqual([
      ['debug', 409],
      ['debug', undefined],
    ]);
  });

  test('a run that does not settle in time counts as failed and is retried', async () => {
    const h = harness(1, 1000);
    h.queue.start();
    h.queue.add('a');
    h.queue.add('b');
    await jest.advanceTimersByTimeAsync(1000);
    expect(h.results).toEqual(['error']);
    expect(String(h.logs[0]!.fields.err)).toContain('reconcile of a timed out after 1000 ms');
    // The slot is free again (the hung work itself goes on unseen).
    expect(h.keys()).toEqual(['a', 'b']);
  });

  test('addAfter looks at a key again later, unless a retry of it is pending already', async () => {
    const h = harness(2);
    h.queue.start();
    h.queue.addAfter('a', 100);
    h.queue.addAfter('a', 10);
    await jest.advanceTimersByTimeAsync(99);
    expect(h.runs).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(h.keys()).toEqual(['a']);
  });

  test('stop() drops waiting keys and pending retries; idle() waits for the runs in progress', async () => {
    const h = harness(1);
    h.queue.start();
    h.queue.add('a');
    h.queue.add('b');
    h.queue.addAfter('c', 50);
    let idle = false;
    void h.queue.idle().then(() => (idle = true));
    h.queue.stop();
    expect(h.depth.at(-1)).toBe(0);
    await settle();
    expect(idle).toBe(false);
    h.runs[0]!.resolve();
    await settle();
    expect(idle).toBe(true);
    await jest.advanceTimersByTimeAsync(100);
    expect(h.keys()).toEqual(['a']);
    await expect(h.queue.idle()).resolves.toBeUndefined();
  });

  test('a failure after stop() schedules no retry', async () => {
    const h = harness(1);
    h.queue.start();
    h.queue.add('a');
    h.queue.stop();
    h.runs[0]!.reject(new Error('boom'));
    await jest.advanceTimersByTimeAsync(1000);
    expect(h.keys()).toEqual(['a']);
    expect(h.results).toEqual(['error']);
  });
});
