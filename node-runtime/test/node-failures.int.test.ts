import { PortfolioSpec } from '@ginkgo/contracts';
import { createDefaultRegistry } from '@ginkgo/core';
import {
  ExecutionNode,
  KubeStatusSink,
  MySqlPortfolioStateStore,
  Watchdog,
  type PortfolioTotals,
  type Stall,
  type StoredPortfolioState,
} from '../src/index.js';
import { quiet, testBus, tick, topics, waitFor } from './helpers.js';
import { nodeTestBed } from './node-fixture.js';

/** Worker failures against real Kafka, MySQL and kube-apiserver; the test plays the operator. */
describe('node-runtime worker failures', () => {
  const bed = nodeTestBed('node-fail', 'nf', 2);
  const { clients, s, namespace, nodeId, bus, db } = bed;
  const [code, slowCode] = bed.codes as [string, string];
  const nodeBus = testBus(`node-fail-node-${s}`);
  const store = new MySqlPortfolioStateStore(db);
  let hold: Promise<void> | undefined;
  let release = () => {};
  const slowName = `nf-${s}-slow`;
  // The real store, except that a save of the slow portfolio can be held (a stuck dependency).
  const stateStore = {
    load: (id: string) => store.load(id),
    markDeleted: (id: string) => store.markDeleted(id),
    usedOrderSeq: (id: string) => store.usedOrderSeq(id),
    recordError: store.recordError.bind(store),
    save: async (st: StoredPortfolioState, t: PortfolioTotals) => {
      if (st.portfolioId === slowName && hold) await hold;
      return store.save(st, t);
    },
  };
  const registry = createDefaultRegistry().registerStrategy('explodes', (_view, e) => {
    if (e.price >= 1050) throw new Error(`boom at ${e.price}`);
    return [];
  });
  const status = new KubeStatusSink({ clients, namespace, nodeId, logger: quiet(), intervalMs: 100 });
  const node = new ExecutionNode({
    nodeId,
    markets: ['cn'],
    bus: nodeBus,
    stateStore,
    status,
    logger: quiet(),
    registry,
    maxFailures: 3,
    failureBackoffMs: 20,
  });
  const spec = (c: string) =>
    PortfolioSpec.parse({
      market: 'cn',
      initialCash: '100000.00',
      strategy: { name: 'explodes', params: {} },
      interestedCodes: [c],
    });

  beforeAll(async () => {
    await bed.setUp();
    await store.init();
    await node.start();
  }, 60000);

  afterAll(async () => {
    release();
    await node.stop();
    await status.close();
    await nodeBus.close();
    await bed.tearDown();
  }, 60000);

  const start = async (name: string, c: string) => {
    await bed.createPortfolio(name, {
      market: 'cn',
      initialCash: '100000.00',
      strategy: { name: 'buy-and-hold', params: {} },
      interestedCodes: [c],
    });
    await bed.assign(name, 1);
    await node.assign({ portfolioId: name, spec: spec(c), epoch: 1, generation: 1 });
  };

  test('S2.10 a throwing strategy: error persisted, Degraded with the message, restarted; repeated failure stops it', async () => {
    const name = `nf-${s}-x`;
    await start(name, code);
    const producer = await bus.producer();
    const send = (i: number, price: number) =>
      producer.send(topics.marketData('cn'), [
        { key: code, value: JSON.stringify(tick(`nf-${s}-${i}`, code, price, i, i)) },
      ]);
    await send(1, 1000);
    await send(2, 1060);
    const degraded = await waitFor('Degraded with the message', async () => {
      const p = await bed.portfolio(name);
      return p?.status?.phase === 'Degraded' && p.status.message?.includes('boom at 1060') ? p : undefined;
    });
    expect(degraded.status?.conditions?.find((c) => c.type === 'Degraded')).toMatchObject({
      status: 'True',
      reason: 'WorkerRestarted',
    });
    const errors = await db.query<{ event_id: string; message: string }>(
      'SELECT event_id, message FROM portfolio_error WHERE portfolio_id = ?',
      [name],
    );
    expect(errors).toEqual([expect.objectContaining({ event_id: `nf-${s}-2`, message: 'boom at 1060' })]);
    // Restarted from the last saved state: the next good tick is handled.
    await send(3, 1010);
    await waitFor('restarted worker handles the next tick', () =>
      node.worker(name)?.engine.view().positions.length === 0 && (node.worker(name)?.processed ?? 0) >= 3
        ? true
        : undefined,
    );
    expect(node.portfolioIds()).toContain(name);

    for (let i = 4; i <= 6; i++) await send(i, 1070);
    const failed = await waitFor('stopped after repeated failures', async () => {
      const p = await bed.portfolio(name);
      return p?.status?.conditions?.find((c) => c.type === 'Degraded' && c.reason === 'WorkerFailed') ? p : undefined;
    });
    expect(failed.status?.phase).toBe('Degraded');
    expect(failed.status?.message).toContain('stopped after 3 consecutive failures');
    expect(node.portfolioIds()).not.toContain(name);
    const count = await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM portfolio_error WHERE portfolio_id = ?', [
      name,
    ]);
    expect(Number(count[0]?.n)).toBe(4);
    // The same assignment is not restarted in a loop; a new generation would be.
    await node.assign({ portfolioId: name, spec: spec(code), epoch: 1, generation: 1 });
    expect(node.portfolioIds()).not.toContain(name);
    await producer.close();
  });

  test('S7.04 a stalled worker is detected with a state dump, and its recovery once the event completes', async () => {
    await start(slowName, slowCode);
    const stalls: Stall[] = [];
    const recovered: { portfolioId: string; stalledMs: number; running: boolean }[] = [];
    const watchdog = new Watchdog({
      workers: () => node.runningWorkers(),
      stallMs: 300,
      everyMs: 50,
      logger: quiet(),
      onStall: (st) => stalls.push(st),
      onRecovered: (r) => recovered.push(r),
    });
    watchdog.start();
    hold = new Promise<void>((r) => (release = r));
    const producer = await bus.producer();
    await producer.send(topics.marketData('cn'), [
      { key: slowCode, value: JSON.stringify(tick(`nf-${s}-slow-1`, slowCode, 1000)) },
    ]);
    const stall = await waitFor('stall reported', () => stalls[0]);
    expect(stall).toMatchObject({ portfolioId: slowName, eventId: `nf-${s}-slow-1` });
    expect(stall.busyMs).toBeGreaterThanOrEqual(300);
    expect(stall.state.cash).toBe(10_000_000);
    expect(recovered).toEqual([]);
    release();
    hold = undefined;
    await waitFor('worker idle again', () => (node.worker(slowName)?.busySince === undefined ? true : undefined));
    const back = await waitFor('recovery reported', () => recovered[0]);
    expect(back).toMatchObject({ portfolioId: slowName, running: true });
    expect(back.stalledMs).toBeGreaterThanOrEqual(300);
    expect(stalls).toHaveLength(1);
    expect(recovered).toHaveLength(1);
    watchdog.stop();
    await producer.close();
  });
});
