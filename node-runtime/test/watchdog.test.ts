import { createLogger } from '@ginkgo/platform';
import { Watchdog, type Stall } from '../src/health/watchdog.js';
import type { WorkerHandle } from '../src/worker/worker-handle.js';

/** What the watchdog reads of a worker: which event it is on, and since when. */
interface FakeWorker {
  portfolioId: string;
  busySince: number | undefined;
  currentEventId: string | undefined;
  queueDepth: number;
  view: () => { cash: number; positions: unknown[]; openOrders: unknown[]; lastEventTs: number | null };
}

const worker = (portfolioId: string): FakeWorker => ({
  portfolioId,
  busySince: undefined,
  currentEventId: undefined,
  queueDepth: 0,
  view: () => ({ cash: 500, positions: [], openOrders: [], lastEventTs: null }),
});

describe('worker watchdog', () => {
  const realNow = Date.now;
  let now = 1_000_000;
  beforeEach(() => {
    Date.now = () => now;
  });
  afterEach(() => {
    Date.now = realNow;
  });

  function watch(workers: FakeWorker[]) {
    const stalls: Stall[] = [];
    const recovered: { portfolioId: string; stalledMs: number; running: boolean }[] = [];
    const dog = new Watchdog({
      workers: () => workers as unknown as WorkerHandle[],
      stallMs: 1000,
      logger: createLogger('watchdog-test').child({}, { level: 'silent' }),
      onStall: (s) => stalls.push(s),
      onRecovered: (r) => recovered.push(r),
    });
    return { dog, stalls, recovered };
  }

  test('S7.04 a stall is reported once; once the worker is past that event its recovery is reported once', () => {
    const a = worker('a');
    const { dog, stalls, recovered } = watch([a]);
    a.busySince = now;
    a.currentEventId = 'e1';
    now += 999;
    dog.check();
    expect(stalls).toEqual([]);
    now += 1;
    dog.check();
    now += 5000;
    dog.check();
    expect(stalls).toMatchObject([{ portfolioId: 'a', eventId: 'e1', busyMs: 1000, state: { cash: 500 } }]);
    expect(recovered).toEqual([]);
    a.busySince = undefined;
    a.currentEventId = undefined;
    dog.check();
    dog.check();
    expect(recovered).toEqual([{ portfolioId: 'a', stalledMs: 6000, running: true }]);
  });

  test('a worker that moved on to another event and stalls there: recovered from the first, a second stall', () => {
    const a = worker('a');
    const { dog, stalls, recovered } = watch([a]);
    a.busySince = now;
    a.currentEventId = 'e1';
    now += 2000;
    dog.check();
    a.busySince = now;
    a.currentEventId = 'e2';
    now += 2000;
    dog.check();
    expect(stalls.map((s) => s.eventId)).toEqual(['e1', 'e2']);
    expect(recovered).toEqual([{ portfolioId: 'a', stalledMs: 4000, running: true }]);
  });

  test('a stalled worker that was stopped is reported as not running (its phase is not set back to Running)', () => {
    const a = worker('a');
    const workers = [a];
    const { dog, recovered } = watch(workers);
    a.busySince = now;
    a.currentEventId = 'e1';
    now += 2000;
    dog.check();
    workers.pop();
    dog.check();
    expect(recovered).toEqual([{ portfolioId: 'a', stalledMs: 2000, running: false }]);
  });
});
