import { ReferenceDataFile } from '@ginkgo/contracts';
import {
  checkOrder,
  checkPrice,
  cnAShareMarket,
  commissionOf,
  hkMarket,
  instrumentRules,
  isInSession,
  isValidSellVolume,
  limitPrices,
  localTs,
  MARKETS,
  marketById,
  orderFees,
  roundDownSellVolume,
  tradingMsBetween,
  withReferenceData,
  withStCodes,
  type MarketRules,
} from '../src/index.js';

const cn = cnAShareMarket;
const rulesOn = (code: string, day: string, market: MarketRules = cn) => instrumentRules(market, code, day);

describe('boards by code prefix', () => {
  test.each([
    ['600000.SH', 'sse-main'],
    ['605001.SH', 'sse-main'],
    ['602345.SH', 'sse-main'],
    ['688981.SH', 'star'],
    ['000001.SZ', 'szse-main'],
    ['002594.SZ', 'szse-main'],
    ['300750.SZ', 'chinext'],
    ['301001.SZ', 'chinext'],
    ['830799.BJ', 'bse'],
    ['920001.BJ', 'bse'],
    ['0700.HK', 'hk-main'],
    ['8001.HK', 'gem'],
  ])('%s belongs to board %s', (code, board) => {
    const market = code.endsWith('.HK') ? hkMarket : cn;
    expect(rulesOn(code, '2026-11-24', market).board).toBe(board);
  });
});

test('a code of no board (an SSE B share) cannot be traded: refused as unknown-board-lot', () => {
  const r = rulesOn('900901.SH', '2026-11-24');
  expect(r.board).toBe('unknown');
  expect(checkOrder(r, { side: 'BUY', price: 100, volume: 100 })).toMatchObject({
    rule: 'unknown-board-lot',
    message: expect.stringContaining('no board of market cn'),
  });
});

describe('price limits per board and status, by the trading day', () => {
  test('main boards 10%, ChiNext and STAR 20%, Beijing 30%, Hong Kong none', () => {
    expect(limitPrices(cn, '600000.SH', 1000, '2025-03-03')).toEqual({ up: 1100, down: 900 });
    expect(limitPrices(cn, '000001.SZ', 1000, '2025-03-03')).toEqual({ up: 1100, down: 900 });
    expect(limitPrices(cn, '300750.SZ', 1000, '2025-03-03')).toEqual({ up: 1200, down: 800 });
    expect(limitPrices(cn, '688981.SH', 1000, '2025-03-03')).toEqual({ up: 1200, down: 800 });
    expect(limitPrices(cn, '830799.BJ', 1000, '2025-03-03')).toEqual({ up: 1300, down: 700 });
    expect(limitPrices(hkMarket, '0700.HK', 40_000, '2026-11-24')).toBeNull();
  });

  test('limit prices are rounded half-up to the fen', () => {
    // 10.05 x 1.2 = 12.06, 10.05 x 0.8 = 8.04; 10.03 x 1.1 = 11.033 -> 11.03; 10.05 x 1.1 = 11.055 -> 11.06
    expect(limitPrices(cn, '688981.SH', 1005, '2025-03-03')).toEqual({ up: 1206, down: 804 });
    expect(limitPrices(cn, '600000.SH', 1003, '2025-03-03')?.up).toBe(1103);
    expect(limitPrices(cn, '600000.SH', 1005, '2025-03-03')?.up).toBe(1106);
  });

  test('an ST stock on ChiNext or STAR keeps its board 20%: status is looked up before the board', () => {
    const st = withStCodes(cn, ['300001.SZ', '688001.SH', '600001.SH']);
    expect(rulesOn('300001.SZ', '2025-03-03', st)).toMatchObject({ st: true, limitPpm: 200_000 });
    expect(rulesOn('688001.SH', '2025-03-03', st)).toMatchObject({ st: true, limitPpm: 200_000 });
    expect(rulesOn('600001.SH', '2025-03-03', st)).toMatchObject({ st: true, limitPpm: 50_000 });
  });

  test('main-board ST limit: 5% up to 2026-07-03, 10% from the trading day 2026-07-06 (SSE and SZSE)', () => {
    const st = withStCodes(cn, ['600001.SH', '000002.SZ']);
    for (const code of ['600001.SH', '000002.SZ']) {
      expect(limitPrices(st, code, 1000, '2026-07-03')).toEqual({ up: 1050, down: 950 });
      expect(limitPrices(st, code, 1000, '2026-07-06')).toEqual({ up: 1100, down: 900 });
    }
  });

  test('ChiNext: 10% (ST 5%) before 2020-08-24, 20% for all from 2020-08-24', () => {
    const st = withStCodes(cn, ['300001.SZ']);
    expect(rulesOn('300750.SZ', '2020-08-21').limitPpm).toBe(100_000);
    expect(rulesOn('300001.SZ', '2020-08-21', st).limitPpm).toBe(50_000);
    expect(rulesOn('300750.SZ', '2020-08-24').limitPpm).toBe(200_000);
    expect(rulesOn('300001.SZ', '2020-08-24', st).limitPpm).toBe(200_000);
  });

  test('ST status changes on its reference-data date', () => {
    const m = withReferenceData(cn, {
      market: 'cn',
      source: 'test',
      asOf: '2026-11-30',
      instruments: [{ code: '600002.SH', st: [{ from: '2026-03-10', until: '2026-09-01' }] }],
    });
    expect(rulesOn('600002.SH', '2026-03-09', m)).toMatchObject({ st: false, limitPpm: 100_000 });
    expect(rulesOn('600002.SH', '2026-03-10', m)).toMatchObject({ st: true, limitPpm: 50_000, stDailyBuyCap: 500_000 });
    expect(rulesOn('600002.SH', '2026-09-01', m)).toMatchObject({ st: false, stDailyBuyCap: null });
  });
});

test('ST daily buy cap of 500,000 shares starts with each exchange: SSE (main, STAR) 2013-01-04, SZSE (main, ChiNext) 2021-05-17, none in Beijing', () => {
  const m = withStCodes(cn, ['600002.SH', '688002.SH', '000002.SZ', '300002.SZ', '830002.BJ']);
  const cap = (code: string, day: string) => rulesOn(code, day, m).stDailyBuyCap;
  expect(cap('600002.SH', '2012-12-31')).toBeNull();
  expect(cap('600002.SH', '2013-01-04')).toBe(500_000);
  expect(cap('688002.SH', '2019-07-22')).toBe(500_000);
  for (const code of ['000002.SZ', '300002.SZ']) {
    expect(cap(code, '2021-05-14')).toBeNull();
    expect(cap(code, '2021-05-17')).toBe(500_000);
  }
  expect(cap('830002.BJ', '2026-11-24')).toBeNull();
  // The cap refuses a buy that would take the day's shares above it.
  expect(checkOrder(rulesOn('000002.SZ', '2021-05-17', m), { side: 'BUY', price: 300, volume: 500_100 })).toMatchObject(
    { rule: 'st-daily-buy-cap' },
  );
});

describe('IPO: no price limit in the first trading days after listing', () => {
  const ipo = withReferenceData(cn, {
    market: 'cn',
    source: 'test',
    asOf: '2026-11-30',
    instruments: [
      { code: '688999.SH', listed: '2026-09-28' },
      { code: '301999.SZ', listed: '2026-09-28' },
      { code: '603999.SH', listed: '2026-09-28' },
      { code: '600998.SH', listed: '2022-06-01' },
      { code: '920999.BJ', listed: '2026-09-28' },
    ],
  });

  test('STAR, ChiNext and registration-based main board: five trading days without a limit, holidays not counted', () => {
    // 2026-09-28 Mon .. 09-30 Wed are days 1-3; 10-01..10-07 are closed; 10-08 Thu, 10-09 Fri are days 4-5; 10-12 is day 6.
    for (const code of ['688999.SH', '301999.SZ', '603999.SH']) {
      expect(rulesOn(code, '2026-09-28', ipo).limitPpm).toBeNull();
      expect(rulesOn(code, '2026-10-09', ipo).limitPpm).toBeNull();
      expect(rulesOn(code, '2026-10-09', ipo).limitNote).toMatch(/trading day 5 of 5/);
      expect(rulesOn(code, '2026-10-12', ipo).limitPpm).not.toBeNull();
    }
  });

  test('a main-board listing before the registration system (2023-04-10) gets no five-day window', () => {
    expect(rulesOn('600998.SH', '2022-06-01', ipo).limitPpm).toBe(100_000);
  });

  test('Beijing: no limit on the listing day only', () => {
    expect(rulesOn('920999.BJ', '2026-09-28', ipo).limitPpm).toBeNull();
    expect(rulesOn('920999.BJ', '2026-09-29', ipo).limitPpm).toBe(300_000);
  });

  test('orders before the listing day are refused as not listed', () => {
    expect(checkOrder(rulesOn('688999.SH', '2026-09-25', ipo), { side: 'BUY', price: 1000, volume: 200 })?.rule).toBe(
      'not-listed',
    );
  });
});

describe('lots and steps', () => {
  const lotOf = (code: string, day = '2026-11-24', market: MarketRules = cn) => rulesOn(code, day, market).lot!;

  test('main boards and ChiNext: buys in multiples of 100', () => {
    const r = rulesOn('600000.SH', '2026-11-24');
    expect(checkOrder(r, { side: 'BUY', price: 1000, volume: 100 })).toBeNull();
    expect(checkOrder(r, { side: 'BUY', price: 1000, volume: 150 })?.rule).toBe('board-lot');
  });

  test('STAR: at least 200 shares, then steps of 1', () => {
    const r = rulesOn('688981.SH', '2026-11-24');
    expect(checkOrder(r, { side: 'BUY', price: 1000, volume: 201 })).toBeNull();
    expect(checkOrder(r, { side: 'BUY', price: 1000, volume: 199 })?.rule).toBe('board-lot');
    // a remainder below 200 goes in one order: holding 150 -> only 150; holding 250 -> any 200..250
    expect(isValidSellVolume(lotOf('688981.SH'), 150, 150)).toBe(true);
    expect(isValidSellVolume(lotOf('688981.SH'), 100, 150)).toBe(false);
    expect(isValidSellVolume(lotOf('688981.SH'), 230, 250)).toBe(true);
  });

  test('Beijing: at least 100 shares, then steps of 1', () => {
    const r = rulesOn('830799.BJ', '2026-11-24');
    expect(checkOrder(r, { side: 'BUY', price: 1000, volume: 101 })).toBeNull();
    expect(checkOrder(r, { side: 'BUY', price: 1000, volume: 99 })?.rule).toBe('board-lot');
  });

  test('A-share sells: the odd remainder goes in one order, alone or with whole lots (350 held: 250, 150, 50 valid; 120 not)', () => {
    const lot = lotOf('600000.SH');
    for (const v of [250, 150, 50, 300, 350]) expect(isValidSellVolume(lot, v, 350)).toBe(true);
    expect(isValidSellVolume(lot, 120, 350)).toBe(false);
    expect(
      checkOrder(
        rulesOn('600000.SH', '2026-11-24'),
        { side: 'SELL', price: 1000, volume: 120 },
        { sellableBalance: 350 },
      )?.rule,
    ).toBe('odd-lot-sell');
    expect(roundDownSellVolume(lot, 280, 350)).toBe(250);
  });

  test('largest order: STAR 100,000, ChiNext 300,000 shares', () => {
    expect(checkOrder(rulesOn('688981.SH', '2026-11-24'), { side: 'BUY', price: 1000, volume: 100_001 })?.rule).toBe(
      'max-order-volume',
    );
    expect(checkOrder(rulesOn('300750.SZ', '2026-11-24'), { side: 'BUY', price: 1000, volume: 300_100 })?.rule).toBe(
      'max-order-volume',
    );
  });

  test('Hong Kong: board lot per stock from the reference data, sells in whole lots only, unknown lot refused', () => {
    const hsbc = rulesOn('0005.HK', '2026-11-24', hkMarket);
    expect(hsbc.lot).toEqual({ min: 400, step: 400, oddRemainderSell: false });
    expect(checkOrder(hsbc, { side: 'BUY', price: 9500, volume: 800 })).toBeNull();
    expect(checkOrder(hsbc, { side: 'BUY', price: 9500, volume: 500 })?.rule).toBe('board-lot');
    expect(checkOrder(hsbc, { side: 'SELL', price: 9500, volume: 100 }, { sellableBalance: 900 })?.rule).toBe(
      'board-lot',
    );
    expect(rulesOn('0941.HK', '2026-11-24', hkMarket).lot?.min).toBe(500);
    expect(checkOrder(rulesOn('9999.HK', '2026-11-24', hkMarket), { side: 'BUY', price: 100, volume: 100 })?.rule).toBe(
      'unknown-board-lot',
    );
  });
});

describe('tick size', () => {
  test('A shares: CNY 0.01, so every fen price is on the grid', () => {
    expect(checkPrice(rulesOn('600000.SH', '2026-11-24'), 1001)).toBeNull();
  });

  test('Hong Kong spread table: HK$20-50 tick 0.05 before 2025-08-04, 0.02 from then', () => {
    expect(checkPrice(rulesOn('0005.HK', '2025-08-01', hkMarket), 3002)?.rule).toBe('tick-size');
    expect(checkPrice(rulesOn('0005.HK', '2025-08-04', hkMarket), 3002)).toBeNull();
    expect(checkPrice(rulesOn('0700.HK', '2026-11-24', hkMarket), 41_930)?.rule).toBe('tick-size');
    expect(checkPrice(rulesOn('0700.HK', '2026-11-24', hkMarket), 41_940)).toBeNull();
  });
});

describe('fees: exchange fees dated in the market data, commission per broker, each rounded on the cumulative amount', () => {
  test('stamp duty 0.1% on sells before 2023-08-28, 0.05% from then; transfer fee 0.002% before 2022-04-29, 0.001% from then', () => {
    const f = (day: string) => orderFees(cn, 'SELL', 10_000_000, { day }).items;
    expect(f('2022-04-28')).toEqual([
      { name: 'stamp-duty', amount: 10_000 },
      { name: 'transfer-fee', amount: 200 },
    ]);
    expect(f('2023-08-25')).toEqual([
      { name: 'stamp-duty', amount: 10_000 },
      { name: 'transfer-fee', amount: 100 },
    ]);
    expect(f('2023-08-28')).toEqual([
      { name: 'stamp-duty', amount: 5_000 },
      { name: 'transfer-fee', amount: 100 },
    ]);
    expect(orderFees(cn, 'BUY', 10_000_000, { day: '2023-08-28' }).items).toEqual([
      { name: 'transfer-fee', amount: 100 },
    ]);
  });

  test('half-up to the fen on the cumulative amount: 0.05% of 1,001 fen = 0.5005 -> 1; of 999 = 0.4995 -> 0; 0.001% of 150,000 = 1.5 -> 2', () => {
    const stamp = (amount: number) =>
      orderFees(cn, 'SELL', amount, { day: '2026-11-24' }).items.find((i) => i.name === 'stamp-duty')!.amount;
    expect(stamp(1_001)).toBe(1);
    expect(stamp(999)).toBe(0);
    expect(stamp(1_000)).toBe(1);
    expect(orderFees(cn, 'BUY', 150_000, { day: '2026-11-24' }).items).toEqual([{ name: 'transfer-fee', amount: 2 }]);
    // Two fills of 500 fen each: the fee of the second is cumulative(1000) - cumulative(500), never 2 x round(500).
    const cum = (a: number) => stamp(a);
    expect(cum(500) + (cum(1_000) - cum(500))).toBe(cum(1_000));
  });

  test("commission is the broker's: rate and minimum from the Portfolio spec, market default otherwise", () => {
    const broker = commissionOf(cn, { rate: '0.0001', minimum: '1.00' });
    expect(orderFees(cn, 'BUY', 100_000, { day: '2026-11-24', commission: broker }).commission).toBe(100);
    expect(orderFees(cn, 'BUY', 10_000_000, { day: '2026-11-24', commission: broker }).commission).toBe(1_000);
    expect(orderFees(cn, 'BUY', 100_000, { day: '2026-11-24' }).commission).toBe(500);
    expect(() => commissionOf(cn, { rate: 'abc', minimum: '1.00' })).toThrow(/rate/);
  });

  test('Hong Kong: stamp duty 0.1% on both sides rounded up to the dollar, trading fee, SFC and AFRC levies, settlement fee', () => {
    // HK$100,000.00 = 10,000,000 cents
    const buy = orderFees(hkMarket, 'BUY', 10_000_000, { day: '2026-11-24', commission: { rate: '0', minMinor: 0 } });
    expect(buy.items).toEqual([
      { name: 'stamp-duty', amount: 10_000 },
      { name: 'trading-fee', amount: 565 },
      { name: 'sfc-levy', amount: 270 },
      { name: 'afrc-levy', amount: 15 },
      { name: 'settlement-fee', amount: 420 },
    ]);
    expect(orderFees(hkMarket, 'SELL', 10_000_000, { day: '2026-11-24' }).items[0]).toEqual({
      name: 'stamp-duty',
      amount: 10_000,
    });
    // HK$1,000.01 -> HK$1.0001 of duty -> rounded up to HK$2
    expect(orderFees(hkMarket, 'BUY', 100_001, { day: '2026-11-24' }).items[0]).toEqual({
      name: 'stamp-duty',
      amount: 200,
    });
    // 0.13% before 2023-11-17; settlement fee at least HK$2 before 2025-06-30
    expect(orderFees(hkMarket, 'BUY', 100_000, { day: '2023-11-16' }).items).toEqual(
      expect.arrayContaining([
        { name: 'stamp-duty', amount: 200 },
        { name: 'settlement-fee', amount: 200 },
      ]),
    );
    expect(orderFees(hkMarket, 'BUY', 100_000, { day: '2025-06-30' }).items).toEqual(
      expect.arrayContaining([{ name: 'settlement-fee', amount: 4 }]),
    );
  });

  test('Hong Kong history: stamp duty 0.1% before 2021-08-01 and 0.13% until 2023-11-17; SFC levy 0.003% until 2014-10-31, 0.0027% from 2014-11-01', () => {
    const on = (day: string) =>
      Object.fromEntries(orderFees(hkMarket, 'BUY', 10_000_000, { day }).items.map((i) => [i.name, i.amount]));
    expect(on('2014-10-31')).toMatchObject({ 'stamp-duty': 10_000, 'sfc-levy': 300 });
    expect(on('2014-11-03')).toMatchObject({ 'stamp-duty': 10_000, 'sfc-levy': 270 });
    expect(on('2021-07-30')).toMatchObject({ 'stamp-duty': 10_000 });
    expect(on('2021-08-02')).toMatchObject({ 'stamp-duty': 13_000 });
    expect(on('2023-11-17')).toMatchObject({ 'stamp-duty': 10_000 });
  });
});

describe('sessions, calendar, T+n', () => {
  test("A shares: 2026 holidays from the exchanges' notice are closed (Spring Festival 2026-02-16..23)", () => {
    expect(isInSession(cn, localTs(cn, '2026-02-20', '10:00'))).toBe(false);
    expect(isInSession(cn, localTs(cn, '2026-02-24', '10:00'))).toBe(true);
  });

  test('Hong Kong: lunch break 12:00-13:00, half day on 2026-12-24, holiday 2026-12-25', () => {
    expect(isInSession(hkMarket, localTs(hkMarket, '2026-11-24', '11:59'))).toBe(true);
    expect(isInSession(hkMarket, localTs(hkMarket, '2026-11-24', '12:30'))).toBe(false);
    expect(isInSession(hkMarket, localTs(hkMarket, '2026-11-24', '15:30'))).toBe(true);
    expect(isInSession(hkMarket, localTs(hkMarket, '2026-12-24', '14:00'))).toBe(false);
    expect(isInSession(hkMarket, localTs(hkMarket, '2026-12-25', '10:00'))).toBe(false);
    expect(
      tradingMsBetween(hkMarket, localTs(hkMarket, '2026-11-24', '11:30'), localTs(hkMarket, '2026-11-24', '13:30')),
    ).toBe(60 * 60_000);
  });

  test('Hong Kong sessions by their date: 13:00-13:30 closed under the 2011-03-07 hours, open from 2012-03-05', () => {
    // Friday 2012-03-02 and Monday 2012-03-05
    expect(isInSession(hkMarket, localTs(hkMarket, '2012-03-02', '13:15'))).toBe(false);
    expect(isInSession(hkMarket, localTs(hkMarket, '2012-03-02', '13:45'))).toBe(true);
    expect(isInSession(hkMarket, localTs(hkMarket, '2012-03-05', '13:15'))).toBe(true);
    expect(
      tradingMsBetween(hkMarket, localTs(hkMarket, '2012-03-02', '11:30'), localTs(hkMarket, '2012-03-02', '14:00')),
    ).toBe(60 * 60_000);
  });

  test('T+1 in China, shares sellable at once in Hong Kong', () => {
    expect(rulesOn('600000.SH', '2026-11-24').settlementLagDays).toBe(1);
    expect(rulesOn('0700.HK', '2026-11-24', hkMarket).settlementLagDays).toBe(0);
  });
});

describe('the data itself', () => {
  test('every board rule change, fee, session change and T+n change names its source and a date, in date order; the last session and T+n changes are those in force', () => {
    for (const m of Object.values(MARKETS)) {
      for (const list of [m.sessionChanges ?? [], m.settlementChanges ?? []]) {
        expect(list.length).toBeGreaterThan(0);
        list.forEach((c, i) => {
          expect(c.source.length).toBeGreaterThan(20);
          expect(c.from).toMatch(/^\d{4}-\d{2}-\d{2}$/);
          if (i > 0) expect(c.from > list[i - 1]!.from).toBe(true);
        });
      }
      expect(m.sessionChanges!.at(-1)!.sessions).toEqual(m.sessions);
      expect(m.settlementChanges!.at(-1)!.lagDays).toBe(m.settlementLagDays);
      for (const b of m.boards) {
        expect(b.changes.length).toBeGreaterThan(0);
        b.changes.forEach((c, i) => {
          expect(c.source.length).toBeGreaterThan(20);
          expect(c.from).toMatch(/^\d{4}-\d{2}-\d{2}$/);
          if (i > 0) expect(c.from > b.changes[i - 1]!.from).toBe(true);
        });
      }
      for (const f of m.fees) expect(f.source.length).toBeGreaterThan(20);
    }
  });

  test("the bundled reference data is a valid file per market and covers the sample tapes' instruments", () => {
    for (const m of Object.values(MARKETS)) expect(ReferenceDataFile.parse(m.reference).market).toBe(m.id);
    const codes = (m: MarketRules) => m.reference.instruments.map((i) => i.code);
    expect(codes(cn)).toEqual(expect.arrayContaining(['600000.SH', '000001.SZ', '300750.SZ', '601318.SH']));
    expect(codes(hkMarket)).toEqual(expect.arrayContaining(['0700.HK', '0005.HK', '0941.HK']));
  });

  test('S9.07 a suspension in the reference data refuses orders on its days only', () => {
    expect(checkOrder(rulesOn('601318.SH', '2026-11-25'), { side: 'BUY', price: 4500, volume: 100 })?.rule).toBe(
      'suspended',
    );
    expect(checkOrder(rulesOn('601318.SH', '2026-11-26'), { side: 'BUY', price: 4500, volume: 100 })).toBeNull();
  });

  test('a reference-data file for another market, or with a bad field, is refused with the field named', () => {
    expect(() => withReferenceData(cn, { ...hkMarket.reference })).toThrow(/market "hk", not "cn"/);
    expect(() =>
      withReferenceData(cn, {
        market: 'cn',
        source: 's',
        asOf: '2026-11-30',
        instruments: [{ code: '600000.SH', listed: 'yesterday' }],
      }),
    ).toThrow(/listed/);
    expect(() => marketById('us')).toThrow(/spec.market/);
  });
});
