import { runTape, ticks } from '@ginkgo/sdk';
import pkg, { vwapReversion } from '../src/index.js';

const CODE = '600000.SH';
// Up-trend with dips: a slow climb plus a sine wave that dips under the VWAP now and then.
const prices = Array.from({ length: 960 }, (_, i) => 1000 + Math.floor(i / 8) + Math.round(12 * Math.sin(i / 9)));

test('vwap-reversion buys dips under the VWAP at a limit and closes above it at market', () => {
  const r = runTape(vwapReversion, { entryBps: 30, trend: 30 }, ticks({ code: CODE, prices }), {
    sizer: { name: 'fixed-volume', params: { volume: 1000 } },
  });
  expect(r.orders.length).toBeGreaterThanOrEqual(2);
  expect(r.orders[0]).toMatchObject({ side: 'BUY', orderType: 'LIMIT', volume: 1000 });
  expect(r.orders.find((o) => o.side === 'SELL')).toMatchObject({ orderType: 'MARKET' });
  expect(r.settlements).toHaveLength(4);
  // runTape also proved that a restart at mid-tape and after each settlement changes nothing.
  expect(r.restoreChecked.length).toBeGreaterThanOrEqual(4);
});

test('params are validated: entryBps is required', () => {
  expect(() => runTape(vwapReversion, {}, ticks({ code: CODE, prices: [1000] }))).toThrow(/strategy\.params\.entryBps/);
});

test('the default export names the package and its components', () => {
  expect(pkg.name).toBe('@acme/strategies');
  expect(Object.keys(pkg.strategies ?? {})).toEqual(['vwap-reversion']);
});
