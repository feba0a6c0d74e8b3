import { testOrder } from '@ginkgo/platform/testing';
import { rejectionCategory } from '../src/gateway-metrics.js';
import { checkFence } from '../src/order-fence.js';
import { InMemoryOrderLedger } from '../src/order-ledger.js';

test('the ledger fences cancels like orders: an older epoch is stale, a newer one raises the fence', async () => {
  const ledger = new InMemoryOrderLedger();
  expect(await ledger.observeEpoch('p', 2)).toEqual({ stale: false });
  expect(await ledger.observeEpoch('p', 1)).toEqual({ stale: true, current: 2 });
  expect(await ledger.observeEpoch('p', 3)).toEqual({ stale: false });
  // A cancel of epoch 3 also fences off orders of epoch 2, and each portfolio has its own fence.
  const order = testOrder({ epoch: 2 });
  expect(await ledger.admit(order)).toEqual({ kind: 'stale-epoch', current: 3 });
  expect(await ledger.observeEpoch('q', 1)).toEqual({ stale: false });
});

test('rejection reasons become a small fixed set of metric labels', () => {
  expect(rejectionCategory('price 11.00 outside the limit 9.00-10.99')).toBe('price_limit');
  expect(rejectionCategory('bad lot: buy volume 150 is not a multiple of 100')).toBe('lot');
  expect(rejectionCategory('insufficient cash: needs 1000.00, available 10.00')).toBe('cash');
  expect(rejectionCategory('insufficient sellable volume: 100 asked, 0 sellable (T+1)')).toBe('sellable');
  expect(rejectionCategory('600000.SH is suspended')).toBe('suspended');
  expect(rejectionCategory('something else')).toBe('other');
  expect(rejectionCategory(undefined)).toBe('other');
});

test('a re-created portfolio (new incarnation) is not fenced by the old epochs; the old incarnation is refused from then on', async () => {
  const ledger = new InMemoryOrderLedger();
  expect(await ledger.observeEpoch('p', 3, 'u1')).toEqual({ stale: false });
  // Deleted and created again under the name: epoch 1 of a new uid.
  expect(
    await ledger.admit(testOrder({ portfolioId: 'p', clientOrderId: 'p-4', epoch: 1, incarnation: 'u2' })),
  ).toEqual({
    kind: 'new',
  });
  expect(await ledger.observeEpoch('p', 4, 'u1')).toEqual({ stale: true, current: 1 });
  expect(await ledger.observeEpoch('p', 0, 'u2')).toEqual({ stale: true, current: 1 });
  expect(await ledger.observeEpoch('p', 2, 'u2')).toEqual({ stale: false });
  // A sender without an incarnation is fenced by epoch alone.
  expect(await ledger.observeEpoch('p', 1)).toEqual({ stale: true, current: 2 });
});

test('a fence without an incarnation (older rows) adopts the first one it sees', () => {
  expect(checkFence({ epoch: 2, incarnation: null }, false, { epoch: 2, incarnation: 'u1' })).toEqual({
    stale: false,
    next: { epoch: 2, incarnation: 'u1' },
  });
  expect(checkFence({ epoch: 2, incarnation: 'u1' }, false, { epoch: 2, incarnation: 'u1' })).toEqual({ stale: false });
  expect(checkFence(undefined, true, { epoch: 9, incarnation: 'u0' })).toEqual({ stale: true, current: 0 });
});
