import { T0, engine, fill, price } from './helpers.js';

const A = '600000.SH';
const B = '600001.SH';

test('S2.05 the interest set changes in place: the removed code is dropped, the added one traded, the rest of the state kept', () => {
  const e = engine({ interestedCodes: [A], sizer: { name: 'fixed-volume', params: { volume: 100 } } });
  const id = e.handle(price(A, 1000, T0)).orders[0]!.clientOrderId;
  e.handle(fill(id, 100, 1000, T0 + 1, true));
  const before = e.snapshot();
  e.setInterestedCodes([B]);
  expect(e.interestedCodes()).toEqual([B]);
  // Nothing but the interest set changed: the snapshot (cash, positions, orders, strategy state) is the same.
  expect(e.snapshot()).toEqual(before);
  expect(e.handle(price(A, 1010, T0 + 2)).dropped[0]?.reason).toBe(`${A} is not in the interest set`);
  const out = e.handle(price(B, 2000, T0 + 3));
  expect(out.orders.map((o) => [o.code, o.clientOrderId])).toEqual([[B, 'alpha-2']]);
  // The position in the removed code is still held (and valued at its last known price).
  expect(e.view().positions.find((p) => p.code === A)).toMatchObject({ volume: 100, lastPrice: 1000 });
});
