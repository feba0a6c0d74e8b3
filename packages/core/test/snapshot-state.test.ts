import { DedupeWindow, PortfolioEngine, type PortfolioSnapshot } from '../src/index.js';
import { engine, fill, price, spec, T0 } from './helpers.js';

const A = '600000.SH';

function traded(): PortfolioEngine {
  const e = engine();
  e.handle(price(A, 1000, T0));
  e.handle(fill('alpha-1', 100, 1000, T0 + 20, true));
  return e;
}

test('the snapshot holds the stored fields in the stored order, and is a copy the engine does not share', () => {
  const e = traded();
  const snap = e.snapshot();
  expect(Object.keys(snap)).toEqual([
    'version',
    'portfolioId',
    'market',
    'config',
    'book',
    'orders',
    'orderSeq',
    'seenEventIds',
    'quotes',
    'highWater',
    'clockPausedUntil',
    'firstTs',
    'lastEventTs',
    'lastFreshnessCheck',
    'staleCodes',
    'suspendedCodes',
    'lastSignalTs',
    'closedDay',
    'tradingDay',
    'settledDays',
    'dayStart',
    'equityCurve',
    'dailyBuys',
    'components',
  ]);
  const before = JSON.stringify(snap);
  snap.book.cash = 0;
  snap.quotes[0]![1].price = 1;
  snap.seenEventIds.push('x');
  expect(JSON.stringify(e.snapshot())).toBe(before);
});

test('restore accepts a snapshot written before the daily buy count existed and leaves the input untouched', () => {
  const snap = JSON.parse(JSON.stringify(traded().snapshot())) as PortfolioSnapshot;
  delete snap.dailyBuys;
  const input = JSON.stringify(snap);
  const r = PortfolioEngine.restore({ snapshot: snap, spec: spec() });
  expect(r.snapshot().dailyBuys).toEqual({ day: '', codes: [] });
  expect(r.view().positions).toEqual([expect.objectContaining({ code: A, volume: 100 })]);
  r.handle(price(A, 1010, T0 + 1000));
  expect(JSON.stringify(snap)).toBe(input);
});

test('restore refuses an unknown snapshot version', () => {
  const snap = { ...traded().snapshot(), version: 2 } as unknown as PortfolioSnapshot;
  expect(() => PortfolioEngine.restore({ snapshot: snap, spec: spec() })).toThrow(
    /snapshot.version: unsupported version 2/,
  );
});

test('a restore with a smaller dedupe window keeps the newest ids', () => {
  const e = engine();
  for (let i = 0; i < 5; i++) e.handle(price(A, 1000 + i, T0 + i * 1000));
  const ids = e.snapshot().seenEventIds;
  const r = PortfolioEngine.restore({ snapshot: e.snapshot(), spec: spec(), config: { dedupeWindow: 2 } });
  expect(r.snapshot().seenEventIds).toEqual(ids.slice(-2));
});

test('the dedupe window forgets the oldest ids first and its array holds exactly the remembered ones after compact()', () => {
  const ids: string[] = [];
  const w = new DedupeWindow(3, ids);
  for (const id of ['a', 'b', 'c', 'd', 'e', 'e']) w.add(id);
  expect(['a', 'b', 'c', 'd', 'e'].map((id) => w.has(id))).toEqual([false, false, true, true, true]);
  expect(w.toArray()).toEqual(['c', 'd', 'e']);
  w.compact();
  expect(ids).toEqual(['c', 'd', 'e']);
  w.add('a');
  expect(w.toArray()).toEqual(['d', 'e', 'a']);
});
