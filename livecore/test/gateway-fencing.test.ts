import { rejectionCategory } from '../src/gateway-metrics.js';
import { InMemoryOrderLedger } from '../src/order-ledger.js';

test('the ledger fences cancels like orders: an older epoch is stale, a newer one raises the fence', async () => {
  const ledger = new InMemoryOrderLedger();
  expect(await ledger.observeEpoch('p', 2)).toEqual({ stale: false });
  expect(await ledger.observeEpoch('p', 1)).toEqual({ stale: true, current: 2 });
  expect(await ledger.observeEpoch('p', 3)).toEqual({ stale: false });
  // A cancel of epoch 3 also fences off orders of epoch 2, and each portfolio has its own fence.
  const order = { type: 'submit', clientOrderId: 'p-1', portfolioId: 'p', epoch: 2, nodeId: 'n', market: 'cn', code: '600000.SH', side: 'BUY', orderType: 'LIMIT', price: 1000, volume: 100, ts: 0, reason: '' } as const;
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
