import { engine, fill, orderEv, price, T0 } from './helpers.js';

test('S1.02 price update -> strategy -> risk -> sizer -> order intent', () => {
  const e = engine({ riskManagers: [{ name: 'position-ratio', params: { maxRatio: 0.5 } }] });
  const out = e.handle(price('600000.SH', 1000, T0));
  expect(out.signals).toHaveLength(1);
  expect(out.orders).toEqual([
    {
      portfolioId: 'alpha',
      clientOrderId: 'alpha-1',
      market: 'cn',
      code: '600000.SH',
      side: 'BUY',
      orderType: 'LIMIT',
      price: 1000,
      volume: 100,
      ts: T0,
      reason: 'buy and hold: first price',
      // no commission in the spec: the market's default, carried so that the venue charges the same
      commission: { rate: '0.00025', minimum: '5.00' },
    },
  ]);
  // cash frozen for amount + fees (commission minimum 5 yuan + transfer fee)
  expect(e.view().frozenCash).toBe(100_000 + 500 + 1);
  expect(e.view().openOrders[0]?.status).toBe('SUBMITTED');
});

test('S1.05 full fill books position and cash exactly', () => {
  const e = engine();
  e.handle(price('600000.SH', 1000, T0));
  e.handle(orderEv({ event: 'ACCEPTED', clientOrderId: 'alpha-1', ts: T0 + 10 }));
  const out = e.handle(fill('alpha-1', 100, 1000, T0 + 20, true));
  expect(out.dropped).toEqual([]);
  const v = e.view();
  expect(v.cash).toBe(100_000_000 - 100_000 - 501);
  expect(v.frozenCash).toBe(0);
  expect(v.positions).toEqual([
    expect.objectContaining({ code: '600000.SH', volume: 100, sellable: 0, lastPrice: 1000, marketValue: 100_000 }),
  ]);
  expect(e.order('alpha-1')?.status).toBe('FILLED');
  expect(v.equity).toBe(v.cash + 100_000);
});
