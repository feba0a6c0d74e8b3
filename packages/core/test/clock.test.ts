import {
  cnAShareMarket,
  isInSession,
  localTime,
  measureSkew,
  nextSkewAlert,
  tradingMsBetween,
  type SkewAlertState,
} from '../src/index.js';
import { at, engine, price, T0 } from './helpers.js';

const A = '600000.SH';
const B = '000001.SZ';

test('Shanghai wall clock is computed from epoch ms as UTC+8 without a tz library', () => {
  // 2025-03-03T01:30:00Z is 09:30 in Shanghai on a Monday
  const ts = Date.parse('2025-03-03T01:30:00Z');
  expect(localTime(cnAShareMarket, ts)).toMatchObject({
    date: '2025-03-03',
    weekday: 1,
    msOfDay: (9 * 60 + 30) * 60_000,
  });
  expect(isInSession(cnAShareMarket, ts)).toBe(true);
  expect(isInSession(cnAShareMarket, ts - 1)).toBe(false);
  expect(isInSession(cnAShareMarket, Date.parse('2025-03-03T03:30:00Z'))).toBe(true); // 11:30 inclusive
  expect(isInSession(cnAShareMarket, Date.parse('2025-03-03T03:30:01Z'))).toBe(false);
  expect(isInSession(cnAShareMarket, Date.parse('2025-03-03T07:00:00Z'))).toBe(true); // 15:00
  // lunch break and the weekend are not trading time
  expect(tradingMsBetween(cnAShareMarket, at('11:00'), at('13:30'))).toBe(60 * 60_000);
  expect(tradingMsBetween(cnAShareMarket, at('14:30', 0, '2025-03-07'), at('10:00', 0, '2025-03-10'))).toBe(
    60 * 60_000,
  );
});

test('S3.08 event times come from the source timestamp, never from a local clock', () => {
  const e = engine();
  // wildly different reference times do not change what the engine records
  const out1 = e.handle(price(A, 1000, T0), { now: T0 + 1 });
  expect(out1.orders[0]?.ts).toBe(T0);
  expect(e.view().lastEventTs).toBe(T0);
  const e2 = engine();
  const out2 = e2.handle(price(A, 1000, T0));
  expect(out2.orders).toEqual(out1.orders);
  // skew between source and a reference is a pure, exportable figure
  expect(measureSkew(T0 + 1500, T0)).toEqual({ skewMs: 1500, absSkewMs: 1500, exceeded: false });
  expect(measureSkew(T0 - 800, T0, 500)).toEqual({ skewMs: -800, absSkewMs: 800, exceeded: true });
});

test('S5.10 clock skew against a reference raises an alert once and clears with hysteresis', () => {
  let state: SkewAlertState = { alerting: false, maxAbsSkewMs: 0 };
  const steps = [1000, 6000, 7000, 4000, 2000, 9000].map((skew) => {
    const r = nextSkewAlert(state, measureSkew(T0 + skew, T0));
    state = r.state;
    return r.transition;
  });
  expect(steps).toEqual(['none', 'raise', 'none', 'none', 'clear', 'raise']);
  expect(state).toEqual({ alerting: true, maxAbsSkewMs: 9000 });
});

test('S9.09 clock going backwards is detected, alerted, and processing pauses until time moves on', () => {
  const e = engine({ interestedCodes: [A, B] }, { config: { clockBackwardsToleranceMs: 30_000 } });
  e.handle(price(A, 1000, T0 + 120_000));
  const back = e.handle(price(B, 1000, T0));
  expect(back.alerts).toEqual([expect.objectContaining({ code: 'CLOCK_BACKWARDS' })]);
  expect(back.dropped[0]?.reason).toMatch(/clock went backwards by 120000 ms/);
  expect(e.view().clockPaused).toBe(true);
  // still behind the high-water mark: paused
  const still = e.handle(price(B, 1000, T0 + 60_000));
  expect(still.dropped[0]?.reason).toMatch(/^paused: clock went backwards/);
  expect(still.orders).toEqual([]);
  // order events are never paused: fills must be booked
  const fillOut = e.handle({
    type: 'order',
    event: 'FILLED',
    eventId: 'f',
    ts: T0,
    seq: 1,
    market: 'cn',
    portfolioId: 'alpha',
    clientOrderId: 'alpha-1',
    fillId: 'x',
    fillVolume: 100,
    fillPrice: 1000,
  });
  expect(fillOut.dropped).toEqual([]);
  // time has moved on: resumed
  const resumed = e.handle(price(B, 1000, T0 + 120_001));
  expect(resumed.alerts).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'CLOCK_RESUMED' })]));
  expect(resumed.orders).toHaveLength(1);
  expect(e.view().clockPaused).toBe(false);
});
