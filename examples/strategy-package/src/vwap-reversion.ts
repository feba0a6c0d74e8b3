import { defineStrategy, paramsObject, positiveInt, Vwap, Sma, z, type Strategy } from '@ginkgo/sdk';

const Params = paramsObject({
  /** Buy when the price is this many basis points below the day's VWAP. */
  entryBps: positiveInt(),
  /** Trend filter: only buy while the price is above its SMA of this many ticks. */
  trend: positiveInt().default(60),
});

/**
 * VWAP mean reversion: buy a dip below the day's VWAP (limit at the last price) while the longer trend is
 * up; close at market once the price is back above the VWAP. All state is in ctx.state (plain JSON), so it
 * survives restarts and moves; the indicators are exact and O(1) per tick.
 */
export const vwapReversion = defineStrategy<z.infer<typeof Params>>({
  params: Params,
  description: 'VWAP mean reversion with an SMA trend filter (entryBps, trend?)',
  create: (p): Strategy => ({
    onPrice(view, e, ctx) {
      const vwap = Vwap.in(ctx.state, `${e.code}:vwap`).update(e.price, e.volume, view.tradingDay());
      const sma = Sma.in(ctx.state, `${e.code}:sma`, p.trend).update(e.price);
      if (vwap === undefined || sma === undefined) return [];
      const held = view.position(e.code)?.volume ?? 0;
      const busy = view.openOrders(e.code).length > 0;
      if (held === 0 && !busy && e.price * 10_000 < vwap * (10_000 - p.entryBps) && e.price > sma) {
        return [
          {
            code: e.code,
            direction: 'LONG',
            reason: `${e.price} is ${p.entryBps} bps under VWAP ${vwap.toFixed(1)}`,
            orderType: 'LIMIT',
            limitPrice: e.price,
          },
        ];
      }
      if (held > 0 && !busy && e.price > vwap)
        return [
          { code: e.code, direction: 'SHORT', reason: `back above VWAP ${vwap.toFixed(1)}`, orderType: 'MARKET' },
        ];
      return [];
    },
  }),
});
