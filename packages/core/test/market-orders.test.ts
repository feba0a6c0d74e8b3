import { hkMarket, localTs, withReferenceData, withStCodes, cnAShareMarket, type EngineEvent } from '../src/index.js';
import { at, fill, holdThroughSplit, price, scripted, session, T0 } from './helpers.js';

const A = '600000.SH';
const NEXT = '2025-03-04';

describe('orders the exchange would reject are refused with the rule name, nothing frozen', () => {
  test('an explicit buy of 150 shares is refused (board-lot), not cut to 100', () => {
    const { e, box } = scripted();
    box.want = [{ code: A, direction: 'LONG', reason: 'explicit', volume: 150 }];
    const out = e.handle(price(A, 1000, T0));
    expect(out.orders).toEqual([]);
    expect(out.alerts).toEqual([
      expect.objectContaining({ code: 'ORDER_REFUSED', subject: A, message: expect.stringContaining('board-lot') }),
    ]);
    expect(out.dropped[0]?.reason).toMatch(/refused by market rule board-lot/);
    expect(e.view()).toMatchObject({ frozenCash: 0, availableCash: 100_000_000, openOrders: [] });
  });

  test('a sizer computing 150 is rounded down to 100 (the engine rounds its own volumes)', () => {
    const { e, box } = scripted({ sizer: { name: 'fixed-volume', params: { volume: 150 } } });
    box.want = [{ code: A, direction: 'LONG', reason: 'sized' }];
    expect(e.handle(price(A, 1000, T0)).orders[0]?.volume).toBe(100);
  });

  test('S1.11 350 held, 250 sellable (100 bought today): selling all 250 goes out as asked', () => {
    const { e, box } = scripted();
    // a 5-for-6 consolidation makes 300 -> 250, an odd holding (reference price 10.00 -> 12.00)
    holdThroughSplit({ e, box }, A, 300, 5, 6);
    box.want = [{ code: A, direction: 'LONG', reason: 'more', volume: 100 }];
    const id2 = e.handle(price(A, 1200, at('10:00', 0, NEXT))).orders[0]!.clientOrderId;
    e.handle(fill(id2, 100, 1200, at('10:00', 1, NEXT), true));
    expect(e.view().positions[0]).toMatchObject({ volume: 350, sellable: 250 });
    box.want = [{ code: A, direction: 'SHORT', reason: 'out', volume: 250 }];
    expect(e.handle(price(A, 1201, at('10:01', 0, NEXT))).orders[0]).toMatchObject({ side: 'SELL', volume: 250 });
  });

  test('an explicit sell that strands part of the odd remainder is refused (odd-lot-sell)', () => {
    const { e, box } = scripted();
    holdThroughSplit({ e, box }, A, 300, 5, 6);
    // the 5-for-6 bonus moved the reference price to 12.00
    box.want = [{ code: A, direction: 'SHORT', reason: 'out', volume: 120 }];
    const out = e.handle(price(A, 1200, at('10:00', 0, NEXT)));
    expect(out.orders).toEqual([]);
    expect(out.alerts[0]).toMatchObject({ code: 'ORDER_REFUSED', message: expect.stringContaining('odd-lot-sell') });
  });

  test('STAR: an explicit buy of 250 goes out, 150 is refused', () => {
    const code = '688981.SH';
    const { e, box } = scripted({ interestedCodes: [code] });
    box.want = [{ code, direction: 'LONG', reason: 'x', volume: 150 }];
    expect(e.handle(price(code, 5000, T0)).alerts[0]?.message).toMatch(/board-lot.*at least 200, then steps of 1/);
    box.want = [{ code, direction: 'LONG', reason: 'x', volume: 250 }];
    expect(e.handle(price(code, 5001, T0 + 1000)).orders[0]?.volume).toBe(250);
  });

  test('ST daily buy cap: explicit buys beyond 500,000 shares a day are refused; computed ones are cut to the cap', () => {
    const market = withStCodes(cnAShareMarket, ['600001.SH']);
    const code = '600001.SH';
    const { e, box } = scripted(
      {
        interestedCodes: [code],
        initialCash: '100000000.00',
        sizer: { name: 'fixed-volume', params: { volume: 300_000 } },
      },
      { market },
    );
    box.want = [{ code, direction: 'LONG', reason: 'x', volume: 400_000 }];
    const id = e.handle(price(code, 200, T0)).orders[0]!.clientOrderId;
    e.handle(fill(id, 400_000, 200, T0 + 1, true));
    box.want = [{ code, direction: 'LONG', reason: 'x', volume: 200_000 }];
    const out = e.handle(price(code, 201, T0 + 2000));
    expect(out.orders).toEqual([]);
    expect(out.alerts[0]).toMatchObject({
      code: 'ORDER_REFUSED',
      message: expect.stringContaining('st-daily-buy-cap'),
    });
    expect(e.view().frozenCash).toBe(0);
    box.want = [{ code, direction: 'LONG', reason: 'sized' }];
    expect(e.handle(price(code, 202, T0 + 4000)).orders[0]?.volume).toBe(100_000);
  });

  test('S9.07 a suspension in the reference data refuses orders (suspended), without any suspension event', () => {
    const market = withReferenceData(cnAShareMarket, {
      market: 'cn',
      source: 't',
      asOf: '2025-03-03',
      instruments: [{ code: A, suspended: [{ from: '2025-03-03', until: '2025-03-04' }] }],
    });
    const { e, box } = scripted({}, { market });
    box.want = [{ code: A, direction: 'LONG', reason: 'x', volume: 100 }];
    const out = e.handle(price(A, 1000, T0));
    expect(out.orders).toEqual([]);
    expect(out.alerts[0]).toMatchObject({ code: 'ORDER_REFUSED', message: expect.stringContaining('suspended') });
  });

  test('S1.17 main-board ST: a +8% price is dropped as abnormal on 2026-07-03 (5%) and accepted on 2026-07-06 (10%)', () => {
    const market = withStCodes(cnAShareMarket, ['600001.SH']);
    const code = '600001.SH';
    const { e } = scripted({ interestedCodes: [code] }, { market });
    const fri = localTs(market, '2026-07-03', '10:00');
    const mon = localTs(market, '2026-07-06', '10:00');
    expect(e.handle({ ...price(code, 1080, fri), prevClose: 1000, market: 'cn' }).dropped[0]?.reason).toMatch(
      /abnormal price/,
    );
    expect(e.handle({ ...price(code, 1080, mon), prevClose: 1000 }).dropped).toEqual([]);
  });

  test("the Portfolio's commission is charged, not the market default", () => {
    const { e, box } = scripted({ commission: { rate: '0.0001', minimum: '0.10' } });
    box.want = [{ code: A, direction: 'LONG', reason: 'x', volume: 1000 }];
    const id = e.handle(price(A, 1000, T0)).orders[0]!.clientOrderId;
    e.handle(fill(id, 1000, 1000, T0 + 1, true));
    // 1,000,000 fen: commission 0.01% = 100, transfer fee 0.001% = 10
    expect(e.view().feesPaid).toBe(110);
  });

  test("every order carries the Portfolio's commission to the venue; a venue fee that differs raises FEE_MISMATCH", () => {
    const { e, box } = scripted({ commission: { rate: '0.0001', minimum: '0.10' } });
    box.want = [{ code: A, direction: 'LONG', reason: 'x', volume: 1000 }];
    const order = e.handle(price(A, 1000, T0)).orders[0]!;
    expect(order.commission).toEqual({ rate: '0.0001', minimum: '0.10' });
    // The venue reports the fee it charged on each fill: the same as the engine books, no alert.
    const first = e.handle({ ...fill(order.clientOrderId, 400, 1000, T0 + 1), fillFee: 44 });
    expect(first.alerts).toEqual([]);
    // 600 more at 10.00: cumulative 1,000,000 fen -> 110 in all, so this fill costs 66; a venue charging 516
    // (the default 5-yuan minimum) is flagged, and the engine keeps its own figure.
    const second = e.handle({ ...fill(order.clientOrderId, 600, 1000, T0 + 2, true), fillFee: 516 });
    expect(second.alerts).toEqual([
      expect.objectContaining({ code: 'FEE_MISMATCH', message: expect.stringMatching(/charged 516 .* booked 66/) }),
    ]);
    expect(e.view().feesPaid).toBe(110);
  });
});

describe('Hong Kong through the same engine (no engine special case)', () => {
  const hk = hkMarket;
  const hkAt = (hhmm: string, date = '2026-11-24') => localTs(hk, date, hhmm);
  let n = 0;
  const hkPrice = (code: string, p: number, ts: number, prevClose?: number): EngineEvent => ({
    type: 'price',
    eventId: `hk-${++n}`,
    ts,
    seq: n,
    market: 'hk',
    code,
    kind: 'tick',
    price: p,
    volume: 0,
    ...(prevClose !== undefined ? { prevClose } : {}),
  });
  const hkFill = (clientOrderId: string, volume: number, p: number, ts: number): EngineEvent => ({
    type: 'order',
    eventId: `hkf-${++n}`,
    ts,
    seq: n,
    market: 'hk',
    portfolioId: 'alpha',
    clientOrderId,
    event: 'FILLED',
    fillId: `hkf-${n}`,
    fillVolume: volume,
    fillPrice: p,
  });

  test('board lot of the stock, same-day sell (no T+1), HK fees, no daily limit, lunch-break data dropped', () => {
    const { e, box } = scripted({
      market: 'hk',
      interestedCodes: ['0005.HK'],
      initialCash: '1000000.00',
      sizer: { name: 'fixed-volume', params: { volume: 1000 } },
    });
    expect(e.market.id).toBe('hk');
    box.want = [{ code: '0005.HK', direction: 'LONG', reason: 'in' }];
    const buy = e.handle(hkPrice('0005.HK', 9_500, hkAt('10:00'), 9_500)).orders[0]!;
    expect(buy).toMatchObject({ market: 'hk', volume: 800 }); // 1000 rounded down to lots of 400
    e.handle(hkFill(buy.clientOrderId, 800, 9_500, hkAt('10:00') + 1));
    // HK$76,000: commission 0.03% = 22.80, stamp duty 0.1% = 76 (whole dollars), trading fee 4.29, SFC 2.05, AFRC 0.11, settlement 3.19
    expect(e.view().feesPaid).toBe(2_280 + 7_600 + 429 + 205 + 11 + 319);
    expect(e.view().positions[0]).toMatchObject({ volume: 800, sellable: 800 });
    // a 30% jump is no abnormal price where there is no daily limit
    expect(e.handle(hkPrice('0005.HK', 12_350, hkAt('10:05'))).dropped).toEqual([]);
    box.want = [{ code: '0005.HK', direction: 'SHORT', reason: 'out' }];
    expect(e.handle(hkPrice('0005.HK', 12_300, hkAt('10:10'))).orders[0]).toMatchObject({ side: 'SELL', volume: 800 });
    expect(e.handle(hkPrice('0005.HK', 12_300, hkAt('12:30'))).dropped[0]?.reason).toMatch(/outside trading sessions/);
  });

  test('an explicit HK buy that is not whole board lots is refused (board-lot)', () => {
    const { e, box } = scripted({ market: 'hk', interestedCodes: ['0941.HK'] });
    box.want = [{ code: '0941.HK', direction: 'LONG', reason: 'x', volume: 700 }];
    const out = e.handle(hkPrice('0941.HK', 8_000, hkAt('10:00')));
    expect(out.orders).toEqual([]);
    expect(out.alerts[0]?.message).toMatch(/board-lot.*multiples of 500/);
  });

  test('an explicit HK limit price off the spread table is refused (tick-size): HK$420.10 where the tick is 0.20', () => {
    const { e, box } = scripted({ market: 'hk', interestedCodes: ['0700.HK'] });
    box.want = [
      { code: '0700.HK', direction: 'LONG', reason: 'x', volume: 100, orderType: 'LIMIT', limitPrice: 42_010 },
    ];
    const out = e.handle(hkPrice('0700.HK', 42_000, hkAt('10:00')));
    expect(out.orders).toEqual([]);
    expect(out.alerts[0]).toMatchObject({ code: 'ORDER_REFUSED', message: expect.stringContaining('tick-size') });
    expect(e.view()).toMatchObject({ frozenCash: 0, openOrders: [] });
    box.want = [
      { code: '0700.HK', direction: 'LONG', reason: 'x', volume: 100, orderType: 'LIMIT', limitPrice: 42_020 },
    ];
    expect(e.handle(hkPrice('0700.HK', 42_000, hkAt('10:01'))).orders[0]).toMatchObject({ price: 42_020 });
  });
});

test("an explicit limit price outside the day's limits is refused (price-limit) with an alert, nothing frozen", () => {
  const { e, box } = scripted();
  box.want = [{ code: A, direction: 'LONG', reason: 'x', volume: 100, orderType: 'LIMIT', limitPrice: 1101 }];
  const out = e.handle(price(A, 1000, T0, { prevClose: 1000 }));
  expect(out.orders).toEqual([]);
  expect(out.alerts).toEqual([
    expect.objectContaining({ code: 'ORDER_REFUSED', message: expect.stringContaining('price-limit') }),
  ]);
  expect(out.dropped[0]?.reason).toMatch(/refused by market rule price-limit: limit price 11.01 outside .* 9.00-11.00/);
  expect(e.view()).toMatchObject({ frozenCash: 0, openOrders: [] });
  // at the limit itself the order goes out
  box.want = [{ code: A, direction: 'LONG', reason: 'x', volume: 100, orderType: 'LIMIT', limitPrice: 1100 }];
  expect(e.handle(price(A, 1000, T0 + 1000, { prevClose: 1000 })).orders[0]).toMatchObject({ price: 1100 });
});

test("T+n is looked up by the trading day: a market whose data moves to T+0 on a date lets that day's buys be sold at once", () => {
  const market = {
    ...cnAShareMarket,
    settlementLagDays: 0,
    settlementChanges: [
      ...cnAShareMarket.settlementChanges!,
      { from: '2025-03-04', source: 'what-if: T+0 from 2025-03-04', lagDays: 0 },
    ],
  };
  const { e, box } = scripted({}, { market });
  box.want = [{ code: A, direction: 'LONG', reason: 'T+1 day', volume: 100 }];
  const first = e.handle(price(A, 1000, T0)).orders[0]!.clientOrderId;
  e.handle(fill(first, 100, 1000, T0 + 1, true));
  expect(e.view().positions[0]).toMatchObject({ volume: 100, sellable: 0 });
  e.handle(session('settlement', at('15:30')));
  expect(e.view().positions[0]).toMatchObject({ volume: 100, sellable: 100 });
  box.want = [{ code: A, direction: 'LONG', reason: 'T+0 day', volume: 100 }];
  const second = e.handle(price(A, 1000, at('10:00', 0, NEXT))).orders[0]!.clientOrderId;
  e.handle(fill(second, 100, 1000, at('10:00', 1, NEXT), true));
  // the first buy became sellable at its day's settlement; the second at once
  expect(e.view().positions[0]).toMatchObject({ volume: 200, sellable: 200 });
});
