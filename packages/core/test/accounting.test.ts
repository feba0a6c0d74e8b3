import {
  cnAShareMarket,
  limitPrices,
  orderFees,
  settlementReportHtml,
  settlementReportJson,
  createDefaultRegistry,
  mulDiv,
  divRound,
  withStCodes,
  roundDownToLots,
} from '../src/index.js';
import { at, DAY, engine, fill, holdThroughSplit, orderEv, price, scripted, session, T0 } from './helpers.js';

const A = '600000.SH';
const NEXT = '2025-03-04';

test('fees: commission with minimum, stamp duty on sells only, transfer fee; each rounded half-up to the fen', () => {
  expect(orderFees(cnAShareMarket, 'BUY', 100_000, { day: DAY })).toEqual({
    commission: 500,
    items: [{ name: 'transfer-fee', amount: 1 }],
    total: 501,
  });
  // 10,000,000 fen: commission 2500, stamp 5000 on the sell side, transfer 100
  expect(orderFees(cnAShareMarket, 'SELL', 10_000_000, { day: DAY })).toEqual({
    commission: 2500,
    items: [
      { name: 'stamp-duty', amount: 5000 },
      { name: 'transfer-fee', amount: 100 },
    ],
    total: 7600,
  });
  // half-up: 0.001% of 150,000 fen = 1.5 fen -> 2; of 149,999 = 1.49999 -> 1
  expect(orderFees(cnAShareMarket, 'BUY', 150_000, { day: DAY }).items).toEqual([{ name: 'transfer-fee', amount: 2 }]);
  expect(orderFees(cnAShareMarket, 'BUY', 149_999, { day: DAY }).items).toEqual([{ name: 'transfer-fee', amount: 1 }]);
  expect(orderFees(cnAShareMarket, 'BUY', 0).total).toBe(0);
  // exact beyond 2^53 via BigInt
  expect(mulDiv(9_000_000_000_000_000 / 1000, 3000, 7, 'floor')).toBe(Number((9_000_000_000_000n * 3000n) / 7n));
  expect(divRound(-5, 2, 'half-up')).toBe(-3);
  expect(divRound(5, 2, 'half-up')).toBe(3);
  expect(divRound(-5, 2, 'floor')).toBe(-3);
});

test('price limits by board: main 10%, ChiNext/STAR 20%, main-board ST 5% in 2025; lots of 100', () => {
  expect(limitPrices(cnAShareMarket, '600000.SH', 1000, DAY)).toEqual({ up: 1100, down: 900 });
  expect(limitPrices(cnAShareMarket, '300750.SZ', 1000, DAY)).toEqual({ up: 1200, down: 800 });
  expect(limitPrices(cnAShareMarket, '688981.SH', 1005, DAY)).toEqual({ up: 1206, down: 804 });
  expect(limitPrices(withStCodes(cnAShareMarket, ['600001.SH']), '600001.SH', 1000, DAY)).toEqual({
    up: 1050,
    down: 950,
  });
  expect(roundDownToLots({ min: 100, step: 100, oddRemainderSell: true }, 1999)).toBe(1900);
});

test('an explicit sell carrying the whole odd remainder goes out as asked; "sell all" sells the odd lot too', () => {
  // A 21-for-20 bonus turns 1000 held into 1050: five lots plus an odd remainder of 50.
  const s1 = scripted();
  holdThroughSplit(s1, A, 1000, 21, 20);
  // 1050 held: 550 = 5 lots + the whole odd remainder of 50, which the exchange takes.
  s1.box.want = [{ code: A, direction: 'SHORT', reason: 'trim', volume: 550 }];
  expect(s1.e.handle(price(A, 950, at('10:00', 0, NEXT))).orders[0]?.volume).toBe(550);
  const s2 = scripted();
  holdThroughSplit(s2, A, 1000, 21, 20);
  s2.box.want = [{ code: A, direction: 'SHORT', reason: 'close all' }];
  expect(s2.e.handle(price(A, 950, at('10:00', 0, NEXT))).orders[0]?.volume).toBe(1050);
});

test('S1.08 end-of-day settlement: strategies paused, daily PnL, T+1 rolled, record and report emitted', () => {
  const registry = createDefaultRegistry();
  registry.registerStrategy('always-long', (_v, ev) => [
    { code: ev.code, direction: 'LONG', reason: 'again', volume: 1000 },
  ]);
  const e = engine({ strategy: { name: 'always-long', params: {} } }, { registry });
  const id = e.handle(price(A, 1000, T0)).orders[0]!.clientOrderId;
  e.handle(fill(id, 1000, 1000, T0 + 1, true));
  e.handle(price(A, 1050, at('14:59')));
  e.handle(session('close', at('15:00')));
  expect(e.view().running).toBe(false);
  // after the close the strategy does not run (the price itself is outside sessions anyway at 15:10; use 15:00)
  expect(e.handle(price(A, 1050, at('15:00'))).signals).toEqual([]);
  expect(e.view().positions[0]).toMatchObject({ volume: 1000, sellable: 0 });
  const out = e.handle(session('settlement', at('15:30')));
  const r = out.settlement!;
  expect(r).toMatchObject({
    portfolioId: 'alpha',
    tradingDay: DAY,
    cash: 100_000_000 - 1_000_000 - 510,
    previousEquity: 100_000_000,
  });
  expect(r.equity).toBe(r.cash + 1000 * 1050);
  expect(r.dailyPnl).toBe(1000 * 50 - 510);
  expect(r.dailyFees).toBe(510);
  expect(r.positions).toEqual([
    expect.objectContaining({ code: A, volume: 1000, sellable: 1000, closePrice: 1050, unrealizedPnl: 50_000 - 510 }),
  ]);
  expect(e.view().positions[0]?.sellable).toBe(1000);
  expect(r.equityCurve).toEqual([{ tradingDay: DAY, equity: r.equity }]);
  // persisted: the snapshot carries the settled day
  expect(e.snapshot().settledDays).toEqual([DAY]);
  expect(e.handle(session('settlement', at('15:31'))).dropped[0]?.reason).toMatch(/already settled/);
  const json = JSON.parse(settlementReportJson(r)) as { display: { equity: string; dailyPnl: string } };
  expect(json.display).toMatchObject({ equity: '1000494.90', dailyPnl: '494.90' });
  const html = settlementReportHtml(r);
  expect(html).toMatch(/^<!doctype html>/);
  expect(html).toContain('<td>600000.SH</td><td>1000</td><td>1000</td>');
  expect(html).toMatch(/<svg [^>]*>.*<polyline/s);
  expect(html).not.toMatch(/<script|<link|src=/);
  // A one-day run draws a line from the day's start to its settlement, and no table cell is empty.
  expect(r.equityCurve).toHaveLength(1);
  const line = /<polyline[^>]*points="([^"]*)"/.exec(html)![1]!.split(' ');
  expect(line).toHaveLength(2);
  expect(line[0]).not.toBe(line[1]);
  expect(html).not.toMatch(/<t[dh][^>]*><\/t[dh]>/);
  expect(html).toContain('<td>trading</td>');
  // the next trading day re-opens trading without an explicit open event
  expect(e.handle(price(A, 1050, at('09:31', 0, NEXT))).orders).toHaveLength(1);
});

test('S1.08 orders still open at settlement expire and release their cash', () => {
  const e = engine();
  const id = e.handle(price(A, 1000, T0)).orders[0]!.clientOrderId;
  const r = e.handle(session('settlement', at('15:30'))).settlement!;
  expect(r.expiredOrders).toEqual([id]);
  expect(e.order(id)?.status).toBe('EXPIRED');
  expect(e.view().frozenCash).toBe(0);
  // The venue's acknowledgement and fill from before its close arrive after our settlement: the trade is booked
  // (the venue holds the shares), the late acknowledgement changes nothing and raises no alert.
  const cash = e.view().cash;
  const late = e.handle(orderEv({ event: 'ACCEPTED', clientOrderId: id, ts: T0 + 1 }));
  expect(late.alerts).toEqual([]);
  const filled = fill(id, 100, 1000, T0 + 2, true);
  expect(e.handle(filled).alerts.map((a) => a.code)).toEqual(['LATE_FILL']);
  expect(e.view().positions.map((p) => [p.code, p.volume])).toEqual([[A, 100]]);
  // Bought on a day already settled: sellable now, as the settlement made the rest (T+1).
  expect(e.view().positions[0]?.sellable).toBe(100);
  // The venue's own EXPIRED at its close is no news: ignored without an alert.
  const venueEnd = e.handle(orderEv({ event: 'EXPIRED', clientOrderId: id, ts: T0 + 3 }));
  expect(venueEnd.alerts).toEqual([]);
  expect(venueEnd.dropped[0]?.reason).toMatch(/after the order ended locally/);
  expect(e.view().cash).toBeLessThan(cash - 100 * 1000 + 1);
  expect(e.view().frozenCash).toBe(0);
  // Booked once: the same fill again is a duplicate.
  expect(e.handle({ ...filled, eventId: 'resent' }).dropped[0]?.reason).toMatch(/duplicate fill/);
});

test('S9.06 dividend and split: volume x ratio, cost / ratio, cash dividend credited, persisted', () => {
  const e = engine({ sizer: { name: 'fixed-volume', params: { volume: 1000 } } });
  const id = e.handle(price(A, 2000, T0)).orders[0]!.clientOrderId;
  e.handle(fill(id, 1000, 2000, T0 + 1, true));
  const before = e.view();
  const cost = before.positions[0]!.costMinor;
  // 10 shares bonus per 10 (x2) and 0.50 per share cash
  const action = {
    type: 'corporate-action',
    eventId: 'ca-1',
    ts: T0 + 2,
    seq: 1,
    market: 'cn',
    code: A,
    cashPerShareMinor: 50,
    splitNumerator: 20,
    splitDenominator: 10,
  } as const;
  const out = e.handle(action);
  expect(out.alerts[0]).toMatchObject({
    code: 'CORPORATE_ACTION',
    message: expect.stringMatching(/dividend 50000 credited, volume 1000 -> 2000/),
  });
  const v = e.view();
  expect(v.cash).toBe(before.cash + 50_000);
  expect(v.positions[0]).toMatchObject({ volume: 2000, costMinor: cost, avgCostMinor: Math.round(cost / 2000) });
  // ex-rights reference price (20.00 - 0.50) / 2 = 9.75
  expect(v.positions[0]?.lastPrice).toBe(975);
  expect(v.realizedPnl).toBe(50_000);
  expect(v.equity).toBe(v.cash + 2000 * 975);
  const snap = e.snapshot();
  expect(snap.book.positions[0]).toMatchObject({ volume: 2000, costMinor: cost });
  expect(snap.book.dividends).toBe(50_000);
  // redelivered corporate action applies once
  expect(e.handle(action).dropped[0]?.reason).toBe('duplicate event id');
  expect(e.view().positions[0]?.volume).toBe(2000);
});

test('S9.07 suspension: code leaves the interest set, position marked suspended and not tradable', () => {
  const registry = createDefaultRegistry();
  registry.registerStrategy('seller', (_v, ev) =>
    ev.code === '600001.SH' ? [{ code: A, direction: 'SHORT', reason: 'exit' }] : [],
  );
  const e = engine({ interestedCodes: [A, '600001.SH'], sizer: { name: 'fixed-volume', params: { volume: 100 } } });
  const id = e.handle(price(A, 1000, T0)).orders[0]!.clientOrderId;
  e.handle(fill(id, 100, 1000, T0 + 1, true));
  const out = e.handle({
    type: 'suspension',
    eventId: 'sus-1',
    ts: T0 + 2,
    seq: 1,
    market: 'cn',
    code: A,
    suspended: true,
  });
  expect(out.alerts[0]).toMatchObject({ code: 'SUSPENDED', subject: A });
  expect(e.interestedCodes()).toEqual(['600001.SH']);
  expect(e.view().positions[0]).toMatchObject({ code: A, suspended: true });
  expect(e.view().suspendedCodes).toEqual([A]);
  expect(e.handle(price(A, 1000, T0 + 3)).dropped[0]?.reason).toBe('600000.SH is suspended');
  // a strategy trying to sell it is refused
  const e2 = engine({ strategy: { name: 'seller', params: {} }, interestedCodes: [A, '600001.SH'] }, { registry });
  e2.handle({ type: 'suspension', eventId: 'sus-1', ts: T0, seq: 1, market: 'cn', code: A, suspended: true });
  expect(e2.handle(price('600001.SH', 1000, T0 + 1)).dropped[0]?.reason).toMatch(/600000.SH is suspended|no position/);
  e.handle({ type: 'suspension', eventId: 'sus-2', ts: T0 + 4, seq: 2, market: 'cn', code: A, suspended: false });
  expect(e.interestedCodes()).toEqual([A, '600001.SH']);
  expect(e.view().positions[0]?.suspended).toBe(false);
});

test('S1.08 a sell filled after its local expiry takes its own shares, not those reserved by the next sell', () => {
  const { e, box } = scripted();
  const DAY3 = '2025-03-05';
  box.want = [{ code: A, direction: 'LONG', reason: 'in', volume: 1000 }];
  const buy = e.handle(price(A, 1000, T0)).orders[0]!.clientOrderId;
  e.handle(fill(buy, 1000, 1000, T0 + 1, true));
  e.handle(session('settlement', at('15:30')));
  box.want = [{ code: A, direction: 'SHORT', reason: 'out', volume: 500 }];
  const first = e.handle(price(A, 1000, at('10:00', 0, NEXT))).orders[0]!.clientOrderId;
  e.handle(session('settlement', at('15:30', 0, NEXT), NEXT)); // still open: expires locally
  expect(e.order(first)?.status).toBe('EXPIRED');
  box.want = [{ code: A, direction: 'SHORT', reason: 'out', volume: 500 }];
  const second = e.handle(price(A, 1000, at('10:00', 0, DAY3))).orders[0]!.clientOrderId;
  // The first sell's fill from before the close arrives now: 500 sold, the second sell keeps the other 500.
  expect(e.handle(fill(first, 500, 1000, at('10:00', 1, DAY3), true)).alerts.map((x) => x.code)).toEqual(['LATE_FILL']);
  expect(e.view().positions.map((p) => [p.code, p.volume])).toEqual([[A, 500]]);
  expect(e.order(second)?.status).toBe('SUBMITTED');
  // Nothing is left to sell beyond what the open sell reserved: a third sell is refused, not an oversell.
  box.want = [{ code: A, direction: 'SHORT', reason: 'more', volume: 100 }];
  expect(e.handle(price(A, 1001, at('10:01', 0, DAY3))).orders).toEqual([]);
});
