import { T0, at, engine, price } from './helpers.js';

describe('buy-and-hold', () => {
  test('buys each code once on its first price', () => {
    const e = engine();
    expect(e.handle(price('600000.SH', 1000, T0)).orders).toHaveLength(1);
    expect(e.handle(price('600000.SH', 1001, at('10:01'))).orders).toHaveLength(0);
  });

  test('with maxPrice it waits until the price is at or below it, then buys once', () => {
    const e = engine({ strategy: { name: 'buy-and-hold', params: { maxPrice: '9.90' } } });
    expect(e.handle(price('600000.SH', 1000, T0)).orders).toHaveLength(0);
    const out = e.handle(price('600000.SH', 990, at('10:01')));
    expect(out.orders.map((o) => [o.side, o.price])).toEqual([['BUY', 990]]);
    expect(e.handle(price('600000.SH', 980, at('10:02'))).orders).toHaveLength(0);
  });

  test('a bad maxPrice is refused naming the field', () => {
    expect(() => engine({ strategy: { name: 'buy-and-hold', params: { maxPrice: '-1' } } })).toThrow(
      /strategy\.params\.maxPrice: must be a positive amount/,
    );
  });
});
