import { defineStrategy, paramsObject, positiveInt, runTape, Sma, ticks, type Strategy } from '../src/index.js';

const CODE = '600000.SH';
// A wave around 10.00 yuan: two crossings a day.
const wave = Array.from({ length: 720 }, (_, i) => 1000 + Math.round(30 * Math.sin(i / 20)));

const smaCross = defineStrategy({
  params: paramsObject({ fast: positiveInt(), slow: positiveInt() }),
  create: (p): Strategy => ({
    onPrice(view, e, ctx) {
      const fast = Sma.in(ctx.state, `${e.code}:fast`, p.fast);
      const slow = Sma.in(ctx.state, `${e.code}:slow`, p.slow);
      const f = fast.update(e.price);
      const s = slow.update(e.price);
      if (f === undefined || s === undefined) return [];
      const held = view.position(e.code)?.volume ?? 0;
      if (f > s && held === 0 && view.openOrders(e.code).length === 0)
        return [
          { code: e.code, direction: 'LONG', reason: 'fast above slow', orderType: 'LIMIT', limitPrice: e.price },
        ];
      if (f < s && held > 0)
        return [{ code: e.code, direction: 'SHORT', reason: 'fast below slow', orderType: 'MARKET' }];
      return [];
    },
  }),
});

test('runTape returns orders, fills, settlements and the equity curve; restore mid-tape equals the uninterrupted run', () => {
  const r = runTape(smaCross, { fast: 5, slow: 20 }, ticks({ code: CODE, prices: wave }), {
    sizer: { name: 'fixed-volume', params: { volume: 1000 } },
    config: { minSignalIntervalMs: 0 },
  });
  expect(r.orders.length).toBeGreaterThan(2);
  expect(r.orders[0]!.clientOrderId).toBe('test-1');
  expect(r.fills.length).toBeGreaterThan(0);
  expect(r.orders.some((o) => o.orderType === 'MARKET' && o.side === 'SELL')).toBe(true);
  expect(r.settlements.map((s) => s.tradingDay)).toEqual(['2026-11-24', '2026-11-25', '2026-11-26']);
  expect(r.equityCurve).toHaveLength(3);
  expect(r.restoreChecked.length).toBeGreaterThanOrEqual(3);
  // Cash reconciles with the fills: initial - buys + sells - fees.
  const flow = r.fills.reduce((a, f) => a + (f.side === 'BUY' ? -1 : 1) * f.price * f.volume - f.fee, 0);
  expect(r.final.cash).toBe(100_000_000 + flow);
});

test('a strategy keeping state outside ctx.state fails the restart check with the first difference', () => {
  const leaky = defineStrategy({
    params: paramsObject({}),
    create: (): Strategy => {
      let n = 0; // lost on restart
      return { onPrice: (_v, e) => (++n === 300 ? [{ code: e.code, direction: 'LONG', reason: 'count 300' }] : []) };
    },
  });
  expect(() => runTape(leaky, {}, ticks({ code: CODE, prices: wave }), { restoreAfter: [100] })).toThrow(
    /restart check failed.*orders\[0\]/,
  );
});

test('limit prices off the tick or outside the day limits are refused with the reason', () => {
  const bad = defineStrategy({
    params: paramsObject({}),
    create: (): Strategy => ({
      onPrice: (_v, e) => [
        { code: e.code, direction: 'LONG', reason: 'too high', orderType: 'LIMIT', limitPrice: 1200 },
      ],
    }),
  });
  const r = runTape(bad, {}, ticks({ code: CODE, prices: [1000, 1001], prevClose: 1000, perDay: 2 }), {
    restoreAfter: false,
  });
  expect(r.orders).toHaveLength(0);
  expect(r.dropped.some((d) => d.reason.includes("limit price 12.00 outside the day's limits 9.00-11.00"))).toBe(true);
});
