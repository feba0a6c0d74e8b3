import { PortfolioSpec, type CancelOrder, type SubmitOrder } from '@ginkgo/contracts';
import { PortfolioEngine, createDefaultRegistry, type PortfolioSnapshot } from '@ginkgo/core';
import { createLogger } from '@ginkgo/platform';
import { PortfolioWorker } from '../src/worker/portfolio-worker.js';
import type { InputPosition } from '../src/worker/input-position.js';
import type { WorkerEffects } from '../src/worker/worker-options.js';
import type { StoredPortfolioState } from '../src/state/portfolio-state-store.js';
import { tick } from './helpers.js';
import { buyAndHoldSpec } from '@ginkgo/platform/testing';

const logger = createLogger('worker-replay-test').child({}, { level: process.env.LOG_LEVEL ?? 'silent' });
const registry = createDefaultRegistry();
const spec = PortfolioSpec.parse(buyAndHoldSpec(['600000.SH', '600001.SH', '600002.SH']));
const at = (offset: number): InputPosition => ({ topic: 'market.data.cn', partition: 0, offset: String(offset) });

/** Effects that record what went out and what was saved; a publish can be made to fail once. */
function recordingEffects() {
  const published: SubmitOrder[] = [];
  const saves: StoredPortfolioState[] = [];
  let failNextPublish = false;
  const effects: WorkerEffects = {
    publish: async (orders: SubmitOrder[], _cancels: CancelOrder[]) => {
      if (failNextPublish) {
        failNextPublish = false;
        throw new Error('broker unreachable');
      }
      published.push(...orders);
    },
    save: async (state) => {
      saves.push(structuredClone(state));
      return true;
    },
    report: () => undefined,
  };
  return { effects, published, saves, failOnce: () => (failNextPublish = true) };
}

function worker(effects: WorkerEffects) {
  const engine = PortfolioEngine.create({ portfolioId: 'p', spec, registry });
  return new PortfolioWorker({
    portfolioId: 'p',
    nodeId: 'n',
    epoch: 1,
    engine,
    effects,
    logger,
    queueCapacity: 100,
    rebuild: (snapshot: PortfolioSnapshot) => PortfolioEngine.restore({ snapshot, spec, registry }),
  });
}

describe('portfolio worker: batched saves and replay after a failed effect', () => {
  test('S9.01 queued events are saved once per batch, and each settles only after the save', async () => {
    const r = recordingEffects();
    const w = worker(r.effects);
    const queued = ['600000.SH', '600001.SH', '600002.SH'].map((code, i) =>
      w.enqueue(tick(`e${i}`, code, 1000, i, i + 1), at(i)),
    );
    await Promise.all(queued.map((q) => q.settled));
    expect(r.published.map((o) => o.clientOrderId)).toEqual(['p-1', 'p-2', 'p-3']);
    expect(r.saves.length).toBeLessThan(3); // one save covered several events
    expect(r.saves.at(-1)?.inputPositions).toEqual({ 'market.data.cn:0': '2' });
    await w.stop();
  });

  test('S9.02 a failed publish: back to the saved state, later inputs refused until the replay, then the same orders once', async () => {
    const r = recordingEffects();
    const w = worker(r.effects);
    await w.enqueue(tick('e0', '600000.SH', 1000, 0, 1), at(0)).settled;
    r.failOnce();
    const failed = w.enqueue(tick('e1', '600001.SH', 1000, 1, 2), at(1));
    await expect(failed.settled).rejects.toThrow('broker unreachable');
    // The consumer has not noticed yet and hands over the next input: refused, it would skip e1.
    await expect(w.enqueue(tick('e2', '600002.SH', 1000, 2, 3), at(2)).settled).rejects.toThrow(/refused until/);
    expect(w.engine.view().positions).toEqual([]);
    expect(w.inputPositions()).toEqual({ 'market.data.cn:0': '0' });
    // The replay from the last commit: e0 again (already applied), then e1 and e2.
    await Promise.all(
      [0, 1, 2].map(
        (i) => w.enqueue(tick(`e${i}`, ['600000.SH', '600001.SH', '600002.SH'][i]!, 1000, i, i + 1), at(i)).settled,
      ),
    );
    expect(r.published.map((o) => o.clientOrderId)).toEqual(['p-1', 'p-2', 'p-3']);
    expect(
      w.engine
        .view()
        .openOrders.map((o) => o.code)
        .sort(),
    ).toEqual(['600000.SH', '600001.SH', '600002.SH']);
    expect(r.saves.at(-1)?.inputPositions).toEqual({ 'market.data.cn:0': '2' });
    await w.stop();
  });
});
