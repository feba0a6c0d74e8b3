import { decideSave } from '../src/state/incarnations.js';
import { InMemoryPortfolioStateStore, type StoredPortfolioState } from '../src/state/portfolio-state-store.js';

const none = new Set<string>();

test('within one incarnation a save is fenced by epoch, and a deleted incarnation is never written again', () => {
  const stored = { epoch: 2, incarnation: 'u1', deleted: false };
  expect(decideSave(undefined, none, { epoch: 1, incarnation: 'u1' })).toBe('write');
  expect(decideSave(stored, none, { epoch: 2, incarnation: 'u1' })).toBe('write');
  expect(decideSave(stored, none, { epoch: 1, incarnation: 'u1' })).toBe('refuse');
  expect(decideSave({ ...stored, deleted: true }, none, { epoch: 3, incarnation: 'u1' })).toBe('refuse');
  expect(decideSave(undefined, new Set(['u1']), { epoch: 3, incarnation: 'u1' })).toBe('refuse');
});

test('a new incarnation supersedes the stored one whatever the epochs; a superseded one stays refused', () => {
  expect(
    decideSave({ epoch: 5, incarnation: 'u1', deleted: true }, new Set(['u1']), { epoch: 1, incarnation: 'u2' }),
  ).toBe('supersede');
  // Its deletion never reached the store (force-deleted while its node was down): still superseded.
  expect(decideSave({ epoch: 5, incarnation: 'u1', deleted: false }, none, { epoch: 1, incarnation: 'u2' })).toBe(
    'supersede',
  );
  expect(
    decideSave({ epoch: 1, incarnation: 'u2', deleted: false }, new Set(['u1']), { epoch: 6, incarnation: 'u1' }),
  ).toBe('refuse');
});

test('rows and saves without an incarnation (written before incarnations were kept) are fenced by epoch alone', () => {
  expect(decideSave({ epoch: 2, incarnation: null, deleted: false }, none, { epoch: 1, incarnation: 'u1' })).toBe(
    'refuse',
  );
  expect(decideSave({ epoch: 2, incarnation: null, deleted: true }, none, { epoch: 2 })).toBe('write');
  expect(decideSave({ epoch: 2, incarnation: 'u1', deleted: false }, none, { epoch: 3 })).toBe('write');
});

test('the in-memory store archives a deleted incarnation and knows the order numbers it used', async () => {
  const store = new InMemoryPortfolioStateStore();
  const totals = { cash: 0, equity: 0, positions: [] };
  const state = (epoch: number, incarnation: string, orderSeq: number) =>
    ({ portfolioId: 'p', epoch, nodeId: 'n', incarnation, snapshot: { orderSeq } }) as unknown as StoredPortfolioState;
  expect(await store.save(state(2, 'u1', 4), totals)).toBe(true);
  await store.markDeleted('p');
  expect(await store.load('p')).toBeUndefined();
  expect(await store.usedOrderSeq('p')).toBe(4);
  expect(await store.save(state(2, 'u1', 5), totals)).toBe(false); // a late write of the deleted one
  expect(await store.save(state(1, 'u2', 4), totals)).toBe(true);
  expect((await store.load('p'))?.incarnation).toBe('u2');
  expect(store.archive.get('p')?.map((s) => s.incarnation)).toEqual(['u1']);
});
