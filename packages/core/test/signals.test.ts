import {
  createDefaultRegistry,
  resolveConflicts,
  type EngineConfig,
  type Signal,
  type SignalDraft,
  type PortfolioReader,
  type StrategyFn,
} from '../src/index.js';
import type { PriceUpdate } from '@ginkgo/contracts';
import { at, DAY, engine, fill, price, session, T0 } from './helpers.js';

const A = '600000.SH';
const B = '000001.SZ';

/** Engine whose strategy is whatever `script` returns for each price. */
function scripted(
  script: (view: PortfolioReader, e: PriceUpdate) => SignalDraft[],
  over: Parameters<typeof engine>[0] = {},
  config: Partial<EngineConfig> = {},
) {
  const registry = createDefaultRegistry();
  const fn: StrategyFn = (view, e) => script(view, e);
  registry.registerStrategy('script', fn);
  return engine({ strategy: { name: 'script', params: {} }, interestedCodes: [A, B], ...over }, { registry, config });
}

/** Buys 1000 A at 10.00, fills, settles, so the position is sellable the next day. */
function withSellablePosition(e: ReturnType<typeof engine>, code = A, px = 1000, volume = 1000) {
  const out = e.handle(price(code, px, T0));
  const id = out.orders[0]!.clientOrderId;
  expect(out.orders[0]!.volume).toBe(volume);
  e.handle(fill(id, volume, px, T0 + 100, true));
  e.handle(session('settlement', at('15:30'), DAY));
  return id;
}
const NEXT = '2025-03-04';

test('S1.09 signal generation runs the same pipeline and reports signal latency', () => {
  const e = engine({
    strategy: { name: 'ma-cross', params: { short: 2, long: 3 } },
    sizer: { name: 'fixed-volume', params: { volume: 200 } },
  });
  const prices = [1000, 990, 980, 1000, 1030];
  let last;
  prices.forEach((p, i) => (last = e.handle(price(A, p, T0 + i * 1000), { now: T0 + i * 1000 + 7 })));
  expect(last!.signals).toEqual([
    expect.objectContaining({ code: A, direction: 'LONG', origin: 'strategy', source: 'ma-cross', latencyMs: 7 }),
  ]);
  expect(last!.orders).toEqual([expect.objectContaining({ code: A, side: 'BUY', volume: 200, price: 1030 })]);
});

test('S1.10 LONG signal has direction, reason and leads to a position increase', () => {
  const e = scripted((_v, ev) =>
    ev.code === A ? [{ code: A, direction: 'LONG', reason: 'breakout above 10.00' }] : [],
  );
  const out = e.handle(price(A, 1000, T0));
  expect(out.signals[0]).toMatchObject({ direction: 'LONG', reason: 'breakout above 10.00' });
  expect(out.orders[0]).toMatchObject({ side: 'BUY', volume: 100, reason: 'breakout above 10.00' });
  e.handle(fill(out.orders[0]!.clientOrderId, 100, 1000, T0 + 1, true));
  expect(e.view().positions[0]?.volume).toBe(100);
});

test('S1.11 SHORT closes only an existing, sellable (T+1) position', () => {
  let want: SignalDraft[] = [];
  const e = scripted(() => want, {}, {});
  want = [{ code: A, direction: 'SHORT', reason: 'exit' }];
  let out = e.handle(price(A, 1000, T0));
  expect(out.orders).toEqual([]);
  expect(out.dropped[0]?.reason).toMatch(/no position in 600000.SH to close/);
  // bought today: not sellable today
  want = [{ code: A, direction: 'LONG', reason: 'entry', volume: 300 }];
  out = e.handle(price(A, 1000, T0 + 1000));
  e.handle(fill(out.orders[0]!.clientOrderId, 300, 1000, T0 + 1100, true));
  want = [{ code: A, direction: 'SHORT', reason: 'exit' }];
  out = e.handle(price(A, 1000, T0 + 2000));
  expect(out.orders).toEqual([]);
  expect(out.dropped[0]?.reason).toMatch(/T\+1: 300 held, 0 sellable/);
  // after settlement the whole position is sellable; volume <= sellable
  e.handle(session('settlement', at('15:30'), DAY));
  want = [{ code: A, direction: 'SHORT', reason: 'exit', volume: 1000 }];
  out = e.handle(price(A, 1000, at('10:00', 0, NEXT)));
  expect(out.orders).toEqual([expect.objectContaining({ side: 'SELL', volume: 300 })]);
});

test('S1.12 conflicting LONG and SHORT on one code are all dropped; risk-origin signals win', () => {
  const e = scripted((_v, ev) => [
    { code: ev.code, direction: 'LONG', reason: 'up' },
    { code: ev.code, direction: 'SHORT', reason: 'down' },
  ]);
  const out = e.handle(price(A, 1000, T0));
  expect(out.orders).toEqual([]);
  expect(out.dropped.filter((d) => /conflicting LONG and SHORT/.test(d.reason))).toHaveLength(2);

  const mk = (direction: Signal['direction'], origin: Signal['origin']): Signal => ({
    portfolioId: 'alpha',
    code: A,
    direction,
    origin,
    reason: '',
    ts: 0,
    eventId: 'x',
    source: origin,
  });
  const r = resolveConflicts([mk('LONG', 'strategy'), mk('SHORT', 'risk')]);
  expect(r.kept).toEqual([mk('SHORT', 'risk')]);
  expect(r.dropped[0]?.reason).toMatch(/risk signal wins/);
});

test('S1.13 no signal: empty lists, no order, state unchanged', () => {
  const e = scripted(() => []);
  const before = e.view();
  const out = e.handle(price(A, 1000, T0));
  expect(out).toEqual({ orders: [], cancels: [], signals: [], dropped: [], alerts: [] });
  const after = e.view();
  expect({ ...after, lastEventTs: null, tradingDay: null }).toEqual({ ...before, lastEventTs: null, tradingDay: null });
});

test('S1.14 position ratio above the limit blocks the order and logs why', () => {
  const e = engine({
    sizer: { name: 'fixed-volume', params: { volume: 10_000 } },
    riskManagers: [{ name: 'position-ratio', params: { maxRatio: 0.05, mode: 'block' } }],
  });
  const out = e.handle(price(A, 1000, T0));
  expect(out.orders).toEqual([]);
  expect(out.dropped[0]?.reason).toMatch(/blocked by position-ratio: position ratio would exceed 5.00% of equity/);
  expect(out.alerts).toEqual([expect.objectContaining({ code: 'RISK' })]);
  expect(e.view().frozenCash).toBe(0);
});

test('S1.15 position ratio cuts the volume to the lot-rounded limit', () => {
  const e = engine({
    sizer: { name: 'fixed-volume', params: { volume: 10_000 } },
    riskManagers: [{ name: 'position-ratio', params: { maxRatio: 0.05, mode: 'cut' } }],
  });
  const out = e.handle(price(A, 1003, T0));
  // 5% of 1,000,000.00 = 50,000.00 -> floor(5,000,000 / 1003) = 4985 -> 4900 shares
  expect(out.orders[0]?.volume).toBe(4900);
  expect(out.orders[0]!.volume * 1003).toBeLessThanOrEqual(5_000_000);
  expect(out.orders[0]!.volume % 100).toBe(0);
  expect(out.orders[0]?.reason).toMatch(/position-ratio: 10000 -> 4900/);
});

test('S1.16 active risk signals override the strategy signals of that event', () => {
  let want: SignalDraft[] = [];
  const e = scripted(() => want, { riskManagers: [{ name: 'loss-limit', params: { lossRatio: 0.05 } }] });
  want = [{ code: A, direction: 'LONG', reason: 'entry', volume: 1000 }];
  withSellablePosition(e);
  want = [{ code: A, direction: 'LONG', reason: 'buy the dip', volume: 1000 }];
  const out = e.handle(price(A, 940, at('10:00', 0, NEXT)));
  expect(out.orders).toEqual([expect.objectContaining({ side: 'SELL', volume: 1000 })]);
  expect(out.dropped).toEqual([
    expect.objectContaining({ reason: expect.stringMatching(/buy the dip|overridden by risk signal/) }),
  ]);
  expect(out.dropped[0]?.reason).toMatch(/overridden by risk signal/);
});

test('S1.17 abnormal data is dropped without signals: price <= 0, jump beyond the limit, future timestamp', () => {
  const e = engine();
  let out = e.handle(price(A, 0, T0));
  expect(out.dropped[0]?.reason).toMatch(/invalid price 0/);
  out = e.handle(price(A, -5, T0));
  expect(out.dropped[0]?.reason).toMatch(/invalid price/);
  out = e.handle(price(A, 1200, T0, { prevClose: 1000 }));
  expect(out.dropped[0]?.reason).toMatch(/abnormal price: 1200 jumps beyond the price limit \[900, 1100\]/);
  out = e.handle(price(A, 1000, T0 + 60_000), { now: T0 });
  expect(out.dropped[0]?.reason).toMatch(/future timestamp/);
  expect(out.alerts[0]?.code).toBe('FUTURE_TIMESTAMP');
  expect(e.view().openOrders).toEqual([]);
  // first sane price goes through, then a timestamp 20 days ahead of the last event is refused even without a reference
  expect(e.handle(price(A, 1000, T0)).orders).toHaveLength(1);
  out = e.handle(price(A, 1000, T0 + 20 * 86_400_000));
  expect(out.dropped[0]?.reason).toMatch(/future timestamp/);
});

test('S1.18 a signal older than 5 s is dropped as stale', () => {
  const e = engine({ interestedCodes: [A, B] });
  const out = e.handle(price(A, 1000, T0), { now: T0 + 6_000 });
  expect(out.orders).toEqual([]);
  expect(out.dropped[0]?.reason).toMatch(/stale signal: data is 6000 ms old \(limit 5000 ms\)/);
  // without a reference time: data 10 s behind the latest market time (another code) is stale too
  const e2 = engine({ interestedCodes: [A, B] });
  e2.handle(price(A, 1000, T0 + 10_000));
  const late = e2.handle(price(B, 1000, T0));
  expect(late.orders).toEqual([]);
  expect(late.dropped[0]?.reason).toMatch(/stale signal/);
  // fresh data still trades
  expect(e2.handle(price(B, 1000, T0 + 9_000)).orders).toEqual([]);
});

test('S1.19 per-code signal rate limit drops signals inside the minimum interval', () => {
  const e = scripted(
    (_v, ev) => [{ code: ev.code, direction: 'SHORT', reason: 'noise' }],
    {},
    { minSignalIntervalMs: 60_000 },
  );
  const first = e.handle(price(A, 1000, T0));
  expect(first.dropped[0]?.reason).not.toMatch(/rate limited/);
  const second = e.handle(price(A, 1000, T0 + 30_000));
  expect(second.dropped[0]?.reason).toMatch(/rate limited: less than 60000 ms/);
  const otherCode = e.handle(price(B, 1000, T0 + 30_000));
  expect(otherCode.dropped[0]?.reason).not.toMatch(/rate limited/);
  const later = e.handle(price(A, 1000, T0 + 60_000));
  expect(later.dropped[0]?.reason).not.toMatch(/rate limited/);
});

test('S6.01 insufficient cash: volume cut before submission, fees included, or refused', () => {
  // 1,005.00 buys 100 shares at 10.00 only if fees (5.01) fit: 1000.00 + 5.01 > 1005.00 -> refused
  let e = engine({ initialCash: '1005.00', sizer: { name: 'fixed-volume', params: { volume: 1000 } } });
  let out = e.handle(price(A, 1000, T0));
  expect(out.orders).toEqual([]);
  expect(out.dropped[0]?.reason).toMatch(/insufficient cash/);
  e = engine({ initialCash: '2500.00', sizer: { name: 'fixed-volume', params: { volume: 1000 } } });
  out = e.handle(price(A, 1000, T0));
  expect(out.orders[0]?.volume).toBe(200);
  expect(e.view().frozenCash).toBe(200_000 + 500 + 2);
  expect(e.view().availableCash).toBeGreaterThanOrEqual(0);
});

test('S6.02 position over limit: order volume adjusted by position-ratio (existing holding counted)', () => {
  let want: SignalDraft[] = [{ code: A, direction: 'LONG', reason: 'entry', volume: 3000 }];
  const e = scripted(() => want, { riskManagers: [{ name: 'position-ratio', params: { maxRatio: 0.05 } }] });
  const o = e.handle(price(A, 1000, T0)).orders[0]!;
  e.handle(fill(o.clientOrderId, 3000, 1000, T0 + 1, true));
  want = [{ code: A, direction: 'LONG', reason: 'more', volume: 5000 }];
  const out = e.handle(price(A, 1000, T0 + 2000));
  // equity ~ 999,984.99 -> limit 49,999.24 -> 4999 shares - 3000 held = 1999 -> 1900
  expect(out.orders[0]?.volume).toBe(1900);
});

test('S6.03 stop loss closes the whole position', () => {
  const e = engine({
    sizer: { name: 'fixed-volume', params: { volume: 1000 } },
    riskManagers: [{ name: 'loss-limit', params: { lossRatio: 0.05 } }],
  });
  withSellablePosition(e);
  expect(e.handle(price(A, 960, at('10:00', 0, NEXT))).orders).toEqual([]); // -4%: holds
  const out = e.handle(price(A, 945, at('10:00', 1, NEXT)));
  expect(out.signals[0]).toMatchObject({ direction: 'SHORT', origin: 'risk', source: 'loss-limit' });
  expect(out.signals[0]?.reason).toMatch(/stop loss/);
  expect(out.orders).toEqual([expect.objectContaining({ side: 'SELL', volume: 1000, price: 945 })]);
});

test('S6.04 take profit emits a close signal', () => {
  const e = engine({
    sizer: { name: 'fixed-volume', params: { volume: 1000 } },
    riskManagers: [{ name: 'profit-limit', params: { profitRatio: 0.05 } }],
  });
  withSellablePosition(e);
  const out = e.handle(price(A, 1060, at('10:00', 0, NEXT)));
  expect(out.signals[0]).toMatchObject({ direction: 'SHORT', origin: 'risk', source: 'profit-limit' });
  expect(out.signals[0]?.reason).toMatch(/take profit/);
  expect(out.orders).toEqual([expect.objectContaining({ side: 'SELL', volume: 1000 })]);
});

test('S6.06 abnormal price jump beyond the limit is dropped and alerted', () => {
  const e = engine({ interestedCodes: ['300750.SZ', A] });
  e.handle(price(A, 1000, T0));
  const out = e.handle(price(A, 1150, T0 + 1000));
  expect(out.dropped[0]?.reason).toMatch(/abnormal price/);
  expect(out.alerts[0]).toMatchObject({ code: 'ABNORMAL_PRICE', subject: A });
  expect(e.view().positions).toEqual([]);
  // ChiNext allows 20%: a 15% move is not abnormal there
  e.handle(price('300750.SZ', 1000, T0 + 2000));
  expect(e.handle(price('300750.SZ', 1150, T0 + 3000)).dropped).toEqual([]);
});

test('S6.07 missing data: a code silent for more than 5 minutes of trading time is flagged, alerted, and skipped', () => {
  const e = scripted((_v, ev) => (ev.code === A ? [{ code: B, direction: 'LONG', reason: 'pair' }] : []));
  e.handle(price(B, 1000, at('11:20')));
  e.handle(price(A, 1000, at('11:21')));
  // lunch break does not count: 11:21 -> 13:02 is only 11 min of trading time for B since 11:20... so flagged
  let out = e.handle(price(A, 1000, at('11:24')));
  expect(out.alerts.filter((a) => a.code === 'MISSING_DATA')).toEqual([]);
  out = e.handle(price(A, 1000, at('13:02')));
  expect(out.alerts).toEqual([expect.objectContaining({ code: 'MISSING_DATA', subject: B })]);
  expect(out.orders).toEqual([]);
  expect(out.dropped[0]?.reason).toMatch(/missing data for 000001.SZ: strategy skipped/);
  expect(e.view().staleCodes).toEqual([B]);
  e.handle(price(B, 1000, at('13:03')));
  expect(e.view().staleCodes).toEqual([]);
});

test('S6.08 duplicate event id is processed once', () => {
  const e = engine();
  const p = price(A, 1000, T0);
  expect(e.handle(p).orders).toHaveLength(1);
  expect(e.handle(p)).toMatchObject({ orders: [], dropped: [{ eventId: p.eventId, reason: 'duplicate event id' }] });
  const f = fill('alpha-1', 100, 1000, T0 + 1, true);
  e.handle(f);
  e.handle(f);
  expect(e.view().positions[0]?.volume).toBe(100);
  // the same fill redelivered under another event id is refused by its fill id
  const again = e.handle({ ...f, eventId: 'other' });
  expect(again.dropped[0]?.reason).toMatch(/duplicate fill|illegal transition/);
  expect(e.view().positions[0]?.volume).toBe(100);
});

test('S6.09 out-of-order price for a code is dropped', () => {
  const e = engine({ interestedCodes: [A, B] });
  e.handle(price(A, 1000, T0 + 2000));
  const out = e.handle(price(A, 1001, T0 + 1000));
  expect(out.dropped[0]?.reason).toMatch(/out of order/);
  expect(e.view().positions).toEqual([]);
  // another code at that time is fine
  expect(e.handle(price(B, 1000, T0 + 1000)).dropped).toEqual([]);
});

test('S6.12 a batch of signals: each is risk-checked and sized, the batch is published in order', () => {
  const codes = ['600000.SH', '600001.SH', '600002.SH', '600003.SH'];
  const registry = createDefaultRegistry();
  registry.registerStrategy('batch', (_v, ev) =>
    ev.code === codes[3] ? codes.map((code) => ({ code, direction: 'LONG' as const, reason: 'rebalance' })) : [],
  );
  const e = engine(
    {
      initialCash: '25000.00',
      strategy: { name: 'batch', params: {} },
      interestedCodes: codes,
      sizer: { name: 'fixed-value', params: { value: 10000 } },
      riskManagers: [{ name: 'position-ratio', params: { maxRatio: 0.3 } }],
    },
    { registry },
  );
  codes.slice(0, 3).forEach((c, i) => e.handle(price(c, 1000 + i, T0 + i)));
  const out = e.handle(price(codes[3]!, 1003, T0 + 10));
  // each sized to 10,000.00 / price -> 900 shares; ratio cap 30% of 25,000 -> 700; cash runs out on the 4th
  expect(out.orders.map((o) => [o.code, o.volume])).toEqual([
    ['600000.SH', 700],
    ['600001.SH', 700],
    ['600002.SH', 700],
    ['600003.SH', 300],
  ]);
  expect(out.orders.map((o) => o.clientOrderId)).toEqual(['alpha-1', 'alpha-2', 'alpha-3', 'alpha-4']);
  expect(e.view().availableCash).toBeGreaterThanOrEqual(0);
});

test('S9.03 flash crash: limit move detected, opening paused, position closed if configured, alert', () => {
  let want: SignalDraft[] = [{ code: A, direction: 'LONG', reason: 'entry', volume: 1000 }];
  const e = scripted(() => want, { riskManagers: [{ name: 'limit-move-guard', params: { closePositions: true } }] });
  withSellablePosition(e);
  want = [{ code: B, direction: 'LONG', reason: 'still buying' }];
  const out = e.handle(price(A, 900, at('10:00', 0, NEXT)));
  expect(out.alerts.filter((a) => a.code === 'LIMIT_MOVE')).toEqual([
    expect.objectContaining({ subject: A, message: expect.stringMatching(/limit down at 900; opening paused/) }),
  ]);
  expect(out.orders).toEqual([expect.objectContaining({ code: A, side: 'SELL', volume: 1000 })]);
  // opening on A stays paused for the day
  want = [{ code: A, direction: 'LONG', reason: 'rebound' }];
  const later = e.handle(price(A, 950, at('10:05', 0, NEXT)));
  expect(later.orders).toEqual([]);
  expect(later.dropped[0]?.reason).toMatch(/opening paused: limit down at 900/);
});

test('S9.04 data outside trading hours is dropped: lunch break, after close, weekend, holiday', () => {
  const e = engine();
  for (const ts of [
    at('12:00'),
    at('09:00'),
    at('15:01'),
    at('10:00', 0, '2025-03-08'),
    at('10:00', 0, '2025-10-01'),
  ]) {
    const out = e.handle(price(A, 1000, ts));
    expect(out.dropped[0]?.reason).toBe('outside trading sessions');
  }
  expect(e.view().openOrders).toEqual([]);
  expect(e.handle(price(A, 1000, at('13:00'))).orders).toHaveLength(1);
});

test('S9.05 a close signal with zero position sends no order', () => {
  const e = scripted(() => [{ code: A, direction: 'SHORT', reason: 'close' }]);
  const out = e.handle(price(A, 1000, T0));
  expect(out.orders).toEqual([]);
  expect(out.dropped[0]?.reason).toMatch(/no position/);
});
