import { createDefaultRegistry, hkMarket, localTs, PortfolioEngine, withReferenceData, withStCodes, cnAShareMarket, type EngineEvent, type MarketRules, type SignalDraft } from '../src/index.js';
import type { PortfolioSpecInput } from '@ginkgo/contracts';
import { at, fill, price, session, spec, T0 } from './helpers.js';

const A = '600000.SH';
const NEXT = '2025-03-04';

/** An engine whose strategy emits whatever the test puts in `want` on the next price. */
function scripted(over: Partial<PortfolioSpecInput> = {}, market?: MarketRules) {
  const registry = createDefaultRegistry();
  const box: { want: SignalDraft[] } = { want: [] };
  registry.registerStrategy('script', () => {
    const w = box.want;
    box.want = [];
    return w;
  });
  const e = PortfolioEngine.create({ portfolioId: 'alpha', registry, spec: spec({ strategy: { name: 'script', params: {} }, ...over }), config: { minSignalIntervalMs: 0 }, ...(market ? { market } : {}) });
  return { e, box };
}

describe('orders the exchange would reject are refused with the rule name, nothing frozen', () => {
  test('an explicit buy of 150 shares is refused (board-lot), not cut to 100', () => {
    const { e, box } = scripted();
    box.want = [{ code: A, direction: 'LONG', reason: 'explicit', volume: 150 }];
    const out = e.handle(price(A, 1000, T0));
    expect(out.orders).toEqual([]);
    expect(out.alerts).toEqual([expect.objectContaining({ code: 'ORDER_REFUSED', subject: A, message: expect.stringContaining('board-lot') })]);
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
    box.want = [{ code: A, direction: 'LONG', reason: 'in', volume: 300 }];
    const id = e.handle(price(A, 1000, T0)).orders[0]!.clientOrderId;
    e.handle(fill(id, 300, 1000, T0 + 1, true));
    // a 5-for-6 consolidation makes 300 -> 250, an odd holding (reference price 10.00 -> 12.00)
    e.handle({ type: 'corporate-action', eventId: 'ca', ts: T0 + 2, seq: 1, market: 'cn', code: A, cashPerShareMinor: 0, splitNumerator: 5, splitDenominator: 6 });
    e.handle(session('settlement', at('15:30')));
    box.want = [{ code: A, direction: 'LONG', reason: 'more', volume: 100 }];
    const id2 = e.handle(price(A, 1200, at('10:00', 0, NEXT))).orders[0]!.clientOrderId;
    e.handle(fill(id2, 100, 1200, at('10:00', 1, NEXT), true));
    expect(e.view().positions[0]).toMatchObject({ volume: 350, sellable: 250 });
    box.want = [{ code: A, direction: 'SHORT', reason: 'out', volume: 250 }];
    expect(e.handle(price(A, 1201, at('10:01', 0, NEXT))).orders[0]).toMatchObject({ side: 'SELL', volume: 250 });
  });

  test('an explicit sell that strands part of the odd remainder is refused (odd-lot-sell)', () => {
    const { e, box } = scripted();
    box.want = [{ code: A, direction: 'LONG', reason: 'in', volume: 300 }];
    const id = e.handle(price(A, 1000, T0)).orders[0]!.clientOrderId;
    e.handle(fill(id, 300, 1000, T0 + 1, true));
    e.handle({ type: 'corporate-action', eventId: 'ca', ts: T0 + 2, seq: 1, market: 'cn', code: A, cashPerShareMinor: 0, splitNumerator: 5, splitDenominator: 6 });
    e.handle(session('settlement', at('15:30')));
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
    const { e, box } = scripted({ interestedCodes: [code], initialCash: '100000000.00', sizer: { name: 'fixed-volume', params: { volume: 300_000 } } }, market);
    box.want = [{ code, direction: 'LONG', reason: 'x', volume: 400_000 }];
    const id = e.handle(price(code, 200, T0)).orders[0]!.clientOrderId;
    e.handle(fill(id, 400_000, 200, T0 + 1, true));
    box.want = [{ code, direction: 'LONG', reason: 'x', volume: 200_000 }];
    const out = e.handle(price(code, 201, T0 + 2000));
    expect(out.orders).toEqual([]);
    expect(out.alerts[0]).toMatchObject({ code: 'ORDER_REFUSED', message: expect.stringContaining('st-daily-buy-cap') });
    expect(e.view().frozenCash).toBe(0);
    box.want = [{ code, direction: 'LONG', reason: 'sized' }];
    expect(e.handle(price(code, 202, T0 + 4000)).orders[0]?.volume).toBe(100_000);
  });

  test('S9.07 a suspension in the reference data refuses orders (suspended), without any suspension event', () => {
    const market = withReferenceData(cnAShareMarket, { market: 'cn', source: 't', asOf: '2025-03-03', instruments: [{ code: A, suspended: [{ from: '2025-03-03', until: '2025-03-04' }] }] });
    const { e, box } = scripted({}, market);
    box.want = [{ code: A, direction: 'LONG', reason: 'x', volume: 100 }];
    const out = e.handle(price(A, 1000, T0));
    expect(out.orders).toEqual([]);
    expect(out.alerts[0]).toMatchObject({ code: 'ORDER_REFUSED', message: expect.stringContaining('suspended') });
  });

  test('S1.17 main-board ST: a +8% price is dropped as abnormal on 2026-07-03 (5%) and accepted on 2026-07-06 (10%)', () => {
    const market = withStCodes(cnAShareMarket, ['600001.SH']);
    const code = '600001.SH';
    const { e } = scripted({ interestedCodes: [code] }, market);
    const fri = localTs(market, '2026-07-03', '10:00');
    const mon = localTs(market, '2026-07-06', '10:00');
    expect(e.handle({ ...price(code, 1080, fri), prevClose: 1000, market: 'cn' }).dropped[0]?.reason).toMatch(/abnormal price/);
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
});

describe('Hong Kong through the same engine (no engine special case)', () => {
  const hk = hkMarket;
  const hkAt = (hhmm: string, date = '2026-11-24') => localTs(hk, date, hhmm);
  let n = 0;
  const hkPrice = (code: string, p: number, ts: number, prevClose?: number): EngineEvent => ({
    type: 'price', eventId: `hk-${++n}`, ts, seq: n, market: 'hk', code, kind: 'tick', price: p, volume: 0, ...(prevClose !== undefined ? { prevClose } : {}),
  });
  const hkFill = (clientOrderId: string, volume: number, p: number, ts: number): EngineEvent => ({
    type: 'order', eventId: `hkf-${++n}`, ts, seq: n, market: 'hk', portfolioId: 'alpha', clientOrderId, event: 'FILLED', fillId: `hkf-${n}`, fillVolume: volume, fillPrice: p,
  });

  test('board lot of the stock, same-day sell (no T+1), HK fees, no daily limit, lunch-break data dropped', () => {
    const { e, box } = scripted({ market: 'hk', interestedCodes: ['0005.HK'], initialCash: '1000000.00', sizer: { name: 'fixed-volume', params: { volume: 1000 } } });
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
});
