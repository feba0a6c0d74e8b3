import { PortfolioSpec } from '@ginkgo/contracts';
import { PortfolioEngine, createDefaultRegistry } from '@ginkgo/core';
import { MySqlPortfolioStateStore, type PortfolioTotals, type StoredPortfolioState } from '../src/index.js';
import { suffix, testDb } from './helpers.js';

/** The MySQL state store's group commit against the real MariaDB of the test bed. */
describe('MySQL portfolio state store (real MariaDB)', () => {
  const db = testDb();
  const s = suffix();
  const spec = PortfolioSpec.parse({
    market: 'cn',
    initialCash: '100000.00',
    strategy: { name: 'buy-and-hold' },
    interestedCodes: ['600000.SH'],
  });
  const snapshot = PortfolioEngine.create({
    portfolioId: 'template',
    spec,
    registry: createDefaultRegistry(),
  }).snapshot();
  const state = (id: string, epoch: number, offset: number): StoredPortfolioState => ({
    portfolioId: id,
    epoch,
    nodeId: `n${epoch}`,
    snapshot: { ...snapshot, portfolioId: id },
    inputPositions: { 'market.data.cn:0': String(offset) },
  });
  const totals = (volume: number): PortfolioTotals => ({
    cash: 1000,
    equity: 2000,
    positions: [{ code: '600000.SH', volume, sellable: volume, avgCostMinor: 1000 }],
  });

  afterAll(async () => {
    await db.execute('DELETE FROM portfolio_state WHERE portfolio_id LIKE ?', [`ss-${s}-%`]);
    await db.execute('DELETE FROM portfolio_position WHERE portfolio_id LIKE ?', [`ss-${s}-%`]);
    await db.execute('DELETE FROM portfolio_state_archive WHERE portfolio_id LIKE ?', [`ss-${s}-%`]);
    await db.close();
  });

  test('S9.10 concurrent saves of many portfolios are written in groups, each with its own epoch fence (a zombie in the group is refused)', async () => {
    const store = new MySqlPortfolioStateStore(db);
    await store.init();
    const fenced = `ss-${s}-fenced`;
    expect(await store.save(state(fenced, 2, 1), totals(100))).toBe(true); // the successor wrote epoch 2
    const ids = Array.from({ length: 40 }, (_, i) => `ss-${s}-${i}`);
    // All at once: they queue behind one another and are written in groups of up to 32 per transaction.
    const results = await Promise.all([
      ...ids.map((id, i) => store.save(state(id, 1, i), totals(100 * (i + 1)))),
      store.save(state(fenced, 1, 99), totals(999)), // a zombie with the old epoch, in the same group
    ]);
    expect(results.slice(0, ids.length).every((r) => r === true)).toBe(true);
    expect(results.at(-1)).toBe(false);
    for (const [i, id] of ids.entries()) {
      const loaded = await store.load(id);
      expect(loaded?.inputPositions).toEqual({ 'market.data.cn:0': String(i) });
      const pos = await db.query<{ volume: number }>('SELECT volume FROM portfolio_position WHERE portfolio_id = ?', [
        id,
      ]);
      expect(pos.map((p) => Number(p.volume))).toEqual([100 * (i + 1)]);
    }
    const kept = await store.load(fenced);
    expect(kept).toMatchObject({ epoch: 2, nodeId: 'n2', inputPositions: { 'market.data.cn:0': '1' } });
    const pos = await db.query<{ volume: number }>('SELECT volume FROM portfolio_position WHERE portfolio_id = ?', [
      fenced,
    ]);
    expect(pos.map((p) => Number(p.volume))).toEqual([100]);
  });

  test('S2.07 a deleted incarnation is archived; one re-created under its name writes at epoch 1 and numbers its orders on', async () => {
    const store = new MySqlPortfolioStateStore(db);
    await store.init();
    const id = `ss-${s}-again`;
    const life = (epoch: number, incarnation: string, orderSeq: number): StoredPortfolioState => ({
      ...state(id, epoch, 1),
      incarnation,
      snapshot: { ...snapshot, portfolioId: id, orderSeq },
    });
    expect(await store.save(life(2, 'u1', 5), totals(100))).toBe(true);
    await store.markDeleted(id);
    expect(await store.load(id)).toBeUndefined();
    expect(await store.usedOrderSeq(id)).toBe(5);
    expect(await store.save(life(2, 'u1', 6), totals(100))).toBe(false); // the deleted one, late
    expect(await store.save(life(1, 'u2', 5), totals(0))).toBe(true);
    expect(await store.load(id)).toMatchObject({ epoch: 1, incarnation: 'u2' });
    expect(await store.save(life(3, 'u1', 7), totals(100))).toBe(false); // superseded for good
    const archived = await db.query<{ incarnation: string; epoch: number }>(
      'SELECT incarnation, epoch FROM portfolio_state_archive WHERE portfolio_id = ? ORDER BY id',
      [id],
    );
    expect(archived.map((r) => [r.incarnation, Number(r.epoch)])).toEqual([['u1', 2]]);
  });
});
