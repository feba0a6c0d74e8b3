import type { PriceUpdate, SubmitOrder } from '@ginkgo/contracts';
import { localTs, cnAShareMarket } from '@ginkgo/core';
import { testOrder } from '@ginkgo/platform/testing';
import { PaperExchange, type BrokerReport } from '../src/index.js';

const day1 = (hhmm: string) => localTs(cnAShareMarket, '2026-11-24', hhmm);
const day2 = (hhmm: string) => localTs(cnAShareMarket, '2026-11-25', hhmm);
let n = 0;
const order = (o: Partial<SubmitOrder>): SubmitOrder =>
  testOrder({ clientOrderId: `pf-${++n}`, portfolioId: 'pf', ts: day1('10:00'), ...o });
const tick = (price: number, ts = day1('10:01'), extra: Partial<PriceUpdate> = {}): PriceUpdate => ({
  type: 'price',
  eventId: `t-${++n}`,
  ts,
  seq: n,
  market: 'cn',
  code: '600000.SH',
  kind: 'tick',
  price,
  volume: 10_000,
  prevClose: 1000,
  ...extra,
});
// The venue rules below are written in arrival order (a tick at 10:01, then an order stamped 10:00): the live
// 'current-quote' matching. Event-time matching, the default, has its own tests at the end.
const setup = (opts: ConstructorParameters<typeof PaperExchange>[0] = {}) => {
  const ex = new PaperExchange({ fillOnSubmit: false, matchAt: 'current-quote', ...opts });
  const reports: BrokerReport[] = [];
  ex.onReport((r) => reports.push(r));
  return { ex, reports, of: (id: string) => reports.filter((r) => r.clientOrderId === id).map((r) => r.event) };
};

describe('paper exchange (A-share venue)', () => {
  test('matches resting limit orders against the feed at the better price', async () => {
    const { ex, reports, of } = setup();
    ex.onMarketData(tick(1005));
    const o = order({ price: 1000 });
    await ex.submit(o);
    expect(of(o.clientOrderId)).toEqual(['ACCEPTED']);
    ex.onMarketData(tick(998));
    expect(of(o.clientOrderId)).toEqual(['ACCEPTED', 'FILLED']);
    expect(reports.at(-1)).toMatchObject({ fillPrice: 998, fillVolume: 100, fillId: `${o.clientOrderId}:f1` });
  });

  test('S1.07 S6.10 partial fills, then a cancel keeps the filled part and releases the rest', async () => {
    const { ex, reports, of } = setup({ maxFillVolume: 300 });
    const o = order({ volume: 1000 });
    await ex.submit(o);
    ex.onMarketData(tick(1000));
    ex.onMarketData(tick(999));
    expect(of(o.clientOrderId)).toEqual(['ACCEPTED', 'PARTIALLY_FILLED', 'PARTIALLY_FILLED']);
    const frozenBefore = (await ex.account('pf')).frozenCash;
    expect(frozenBefore).toBeGreaterThan(0);
    expect(await ex.cancel(o.clientOrderId, day1('10:02'))).toEqual({ ok: true });
    expect(reports.at(-1)).toMatchObject({ event: 'CANCELLED', reason: expect.stringContaining('600/1000 filled') });
    const acc = await ex.account('pf');
    expect(acc.positions).toEqual([{ code: '600000.SH', volume: 600, sellable: 0 }]);
    expect(acc.frozenCash).toBe(0);
    expect(await ex.cancel(o.clientOrderId, day1('10:03'))).toMatchObject({ ok: false });
  });

  test('rejects a price outside the limit, a bad lot, missing cash and T+1 unsellable volume', async () => {
    const { ex, reports } = setup({ defaultCashMinor: 50_000_00 });
    ex.onMarketData(tick(1000));
    const cases: [SubmitOrder, RegExp][] = [
      [order({ price: 1101 }), /outside the limit 9.00-11.00/],
      [order({ volume: 150 }), /bad lot/],
      [order({ volume: 10_000 }), /insufficient cash/],
      [order({ side: 'SELL', volume: 100 }), /insufficient sellable/],
    ];
    for (const [o, reason] of cases) {
      await ex.submit(o);
      expect(reports.at(-1)).toMatchObject({
        clientOrderId: o.clientOrderId,
        event: 'REJECTED',
        reason: expect.stringMatching(reason),
      });
    }
  });

  test('T+1: shares bought today become sellable the next trading day', async () => {
    const { ex, reports } = setup();
    ex.onMarketData(tick(1000));
    await ex.submit(order({ volume: 200 }));
    const sameDay = order({ side: 'SELL', volume: 200, ts: day1('14:00') });
    await ex.submit(sameDay);
    expect(reports.at(-1)).toMatchObject({ event: 'REJECTED', reason: expect.stringMatching(/T\+1/) });
    ex.onMarketData(tick(1002, day2('09:31'), { prevClose: 1000 }));
    const nextDay = order({ side: 'SELL', volume: 200, price: 1000, ts: day2('09:32') });
    await ex.submit(nextDay);
    expect(reports.filter((r) => r.clientOrderId === nextDay.clientOrderId).map((r) => r.event)).toEqual([
      'ACCEPTED',
      'FILLED',
    ]);
    expect((await ex.account('pf')).positions).toEqual([]);
  });

  test('nothing fills at a locked limit-down for sells; suspension refuses orders; the close expires day orders', async () => {
    const { ex, reports, of } = setup({
      accounts: { pf: { cashMinor: 1_000_000_00, positions: { '600000.SH': 1000 } } },
    });
    ex.onMarketData(tick(900));
    const sell = order({ side: 'SELL', price: 900, volume: 500 });
    await ex.submit(sell);
    ex.onMarketData(tick(900));
    expect(of(sell.clientOrderId)).toEqual(['ACCEPTED']);
    ex.onMarketData({
      type: 'suspension',
      eventId: 's1',
      ts: day1('10:30'),
      seq: 1,
      market: 'cn',
      code: '600000.SH',
      suspended: true,
    });
    const late = order({});
    await ex.submit(late);
    expect(reports.at(-1)).toMatchObject({ event: 'REJECTED', reason: '600000.SH is suspended' });
    ex.onMarketData({
      type: 'session',
      eventId: 'c1',
      ts: day1('15:00'),
      seq: 2,
      market: 'cn',
      phase: 'close',
      tradingDay: '2026-11-24',
    });
    expect(of(sell.clientOrderId)).toEqual(['ACCEPTED', 'EXPIRED']);
  });

  test('latency delays acceptance; an unreachable broker throws', async () => {
    const queued: (() => void)[] = [];
    const { ex, of } = setup({ latencyMs: 50, schedule: (fn) => queued.push(fn) });
    const o = order({});
    await ex.submit(o);
    expect(of(o.clientOrderId)).toEqual([]);
    queued.shift()?.();
    expect(of(o.clientOrderId)).toEqual(['ACCEPTED']);
    ex.setReachable(false);
    await expect(ex.submit(order({}))).rejects.toThrow(/broker paper unavailable/);
  });
});

describe('paper exchange matching at the event time of each order (default)', () => {
  const at = (hhmm: string, seconds = 0) => day1(hhmm) + seconds * 1000;
  // A tape: the price of one code every 10 s from 10:00:00, and orders stamped at bar times.
  const tape = [1010, 1004, 998, 1001, 995, 1003].map((p, i) => tick(p, at('10:00', i * 10), { eventId: `tape-${i}` }));
  const orders = [
    order({ clientOrderId: 'eo-1', price: 1000, volume: 300, ts: at('10:00', 10) }),
    order({ clientOrderId: 'eo-2', price: 999, volume: 200, ts: at('10:00', 20) }),
    order({
      clientOrderId: 'eo-3',
      side: 'SELL',
      price: 1002,
      volume: 100,
      ts: at('10:00', 50),
      portfolioId: 'seller',
    }),
  ];
  const accounts = { seller: { cashMinor: 0, positions: { '600000.SH': 1000 } } };

  /** Runs the tape and orders in one interleaving: after tape bar i come the orders listed for it. */
  const run = async (after: Record<number, SubmitOrder[]>, first: SubmitOrder[] = []) => {
    const ex = new PaperExchange({ fillOnSubmit: false, maxFillVolume: 200, accounts });
    const reports: BrokerReport[] = [];
    ex.onReport((r) => reports.push(r));
    for (const o of first) await ex.submit(o);
    for (const [i, bar] of tape.entries()) {
      ex.onMarketData(bar);
      for (const o of after[i] ?? []) await ex.submit(o);
    }
    return { reports, accounts: await Promise.all(['pf', 'seller'].map((a) => ex.account(a))) };
  };

  test('S9.01 a replay of the same tape gives the same fills however orders raced the market data', async () => {
    // Each order right after the bar it was placed on (the market data won the race)...
    const onTime = await run({ 1: [orders[0]!], 2: [orders[1]!], 5: [orders[2]!] });
    // ...each one bar late (the order was slower, e.g. delayed by a fault)...
    const late = await run({ 2: [orders[0]!], 3: [orders[1]!], 5: [orders[2]!] });
    // ...or every order before its bar reached the venue (the market data was slower).
    const early = await run({ 0: [orders[0]!, orders[1]!, orders[2]!] });
    expect(late).toEqual(onTime);
    expect(early).toEqual(onTime);
    // eo-1 (limit 10.00 at 10:00:10, quote 10.04): fills 200 at 9.98 (10:00:20), 100 at 9.95 (10:00:40).
    const fills = (id: string) =>
      onTime.reports
        .filter((r) => r.clientOrderId === id && r.fillPrice !== undefined)
        .map((r) => [r.fillVolume, r.fillPrice, r.ts]);
    expect(fills('eo-1')).toEqual([
      [200, 998, at('10:00', 20)],
      [100, 995, at('10:00', 40)],
    ]);
    // eo-2 (limit 9.99 at 10:00:20, quote 9.98 then): fills at once at its time.
    expect(fills('eo-2')).toEqual([[200, 998, at('10:00', 20)]]);
    // eo-3 (sell limit 10.02 at 10:00:50, quote 10.03): fills at the quote of its time.
    expect(fills('eo-3')).toEqual([[100, 1003, at('10:00', 50)]]);
  });

  test('an order whose market data has not reached its time waits, unaccepted, and is matched at its time once it has', async () => {
    const ex = new PaperExchange({ fillOnSubmit: false });
    const reports: BrokerReport[] = [];
    ex.onReport((r) => reports.push(r));
    ex.onMarketData(tape[0]!);
    const o = order({ clientOrderId: 'wait-1', price: 1000, ts: at('10:00', 20) });
    await ex.submit(o);
    expect(reports).toEqual([]);
    expect((await ex.account('pf')).frozenCash).toBe(0);
    ex.onMarketData(tape[1]!); // 10:00:10: still before the order
    expect(reports).toEqual([]);
    ex.onMarketData(tape[2]!); // 10:00:20, 9.98: the order's time
    expect(reports.map((r) => [r.event, r.fillPrice, r.ts])).toEqual([
      ['ACCEPTED', undefined, at('10:00', 20)],
      ['FILLED', 998, at('10:00', 20)],
    ]);
  });

  test("'current-quote' matches against the quote held when the order arrives (live option)", async () => {
    const ex = new PaperExchange({ fillOnSubmit: false, matchAt: 'current-quote' });
    const reports: BrokerReport[] = [];
    ex.onReport((r) => reports.push(r));
    for (const bar of tape.slice(0, 5)) ex.onMarketData(bar);
    // Placed at 10:00:10 (quote 10.04, not marketable) but arrives after 10:00:40 (9.95): fills at 9.95.
    await ex.submit(order({ clientOrderId: 'cq-1', price: 1000, ts: at('10:00', 10) }));
    expect(reports.at(-1)).toMatchObject({ event: 'FILLED', fillPrice: 995 });
  });
});
