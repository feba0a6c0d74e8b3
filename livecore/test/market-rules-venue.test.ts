import type { SubmitOrder } from '@ginkgo/contracts';
import { hkMarket, localTs, orderFeeTotal, withStCodes, cnAShareMarket } from '@ginkgo/core';
import { testOrder } from '@ginkgo/platform/testing';
import { PaperExchange, type BrokerReport } from '../src/index.js';

let n = 0;
const hkDay = (hhmm: string) => localTs(hkMarket, '2026-11-24', hhmm);
const hkOrder = (o: Partial<SubmitOrder>): SubmitOrder =>
  testOrder({
    clientOrderId: `hk-${++n}`,
    portfolioId: 'pf',
    market: 'hk',
    code: '0005.HK',
    price: 9_500,
    volume: 400,
    ts: hkDay('10:00'),
    ...o,
  });

const venue = (rules = hkMarket) => {
  const ex = new PaperExchange({ rules, fillOnSubmit: true });
  const reports: BrokerReport[] = [];
  ex.onReport((r) => reports.push(r));
  return { ex, reports };
};

describe("the paper venue applies core's market rules (same data as the engine)", () => {
  test('Hong Kong: board lot per stock, same-day resale, HK fees charged by the venue', async () => {
    const { ex, reports } = venue();
    await ex.submit(hkOrder({ volume: 500 }));
    expect(reports.at(-1)).toMatchObject({
      event: 'REJECTED',
      reason: expect.stringMatching(/bad lot \(board-lot\).*multiples of 400/),
    });
    const buy = hkOrder({ volume: 800 });
    await ex.submit(buy);
    expect(reports.at(-1)).toMatchObject({ event: 'FILLED', fillVolume: 800 });
    // no T+1: sellable at once
    expect((await ex.account('pf')).positions).toEqual([{ code: '0005.HK', volume: 800, sellable: 800 }]);
    await ex.submit(hkOrder({ side: 'SELL', volume: 800, ts: hkDay('10:05') }));
    expect(reports.at(-1)).toMatchObject({ event: 'FILLED', fillVolume: 800 });
    const fees = 2 * orderFeeTotal(hkMarket, 'BUY', 800 * 9_500, { day: '2026-11-24' });
    expect((await ex.account('pf')).cash).toBe(100_000_000_00 - fees);
  });

  test('A shares: the risk-warning daily buy cap counts fills and open orders of the day', async () => {
    const { ex, reports } = venue(withStCodes(cnAShareMarket, ['600001.SH']));
    const ts = localTs(cnAShareMarket, '2026-11-24', '10:00');
    const o = (volume: number) => ({
      ...hkOrder({}),
      market: 'cn',
      code: '600001.SH',
      price: 300,
      volume,
      ts,
      clientOrderId: `cn-${++n}`,
    });
    await ex.submit(o(400_000));
    expect(reports.at(-1)).toMatchObject({ event: 'FILLED' });
    await ex.submit(o(200_000));
    expect(reports.at(-1)).toMatchObject({ event: 'REJECTED', reason: expect.stringContaining('st-daily-buy-cap') });
    await ex.submit(o(100_000));
    expect(reports.at(-1)).toMatchObject({ event: 'FILLED' });
  });

  test("fees: the venue charges the commission the order carries (the Portfolio's), not its default, and reports each fill's fee", async () => {
    const ex = new PaperExchange({ rules: cnAShareMarket, fillOnSubmit: true, maxFillVolume: 400 });
    const reports: BrokerReport[] = [];
    ex.onReport((r) => reports.push(r));
    const ts = localTs(cnAShareMarket, '2026-11-24', '10:00');
    const cn = (clientOrderId: string, o: Partial<SubmitOrder>) =>
      hkOrder({ market: 'cn', code: '600000.SH', price: 1000, volume: 1000, ts, clientOrderId, ...o });
    await ex.submit(cn('broker-a-1', { portfolioId: 'broker-a', commission: { rate: '0.0001', minimum: '0.10' } }));
    await ex.submit(cn('default-1', { portfolioId: 'default' }));
    // Fills of at most 400: one on acceptance, then one per quote.
    ex.onPrice('600000.SH', 1000, ts + 1_000);
    ex.onPrice('600000.SH', 1000, ts + 2_000);
    const fees = (id: string) => reports.filter((r) => r.clientOrderId === id && r.fillId).map((r) => r.fillFee);
    // 0.01%, at least 0.10 yuan, on the cumulative amount (400k, 800k, 1M fen): 40+4, 80+8, 100+10.
    expect(fees('broker-a-1')).toEqual([44, 44, 22]);
    const commission = { rate: '0.0001', minMinor: 10 };
    const total = orderFeeTotal(cnAShareMarket, 'BUY', 1_000_000, { day: '2026-11-24', commission });
    expect(total).toBe(110);
    expect((await ex.account('broker-a')).cash).toBe(100_000_000_00 - 1_000_000 - total);
    // Without a commission on the order: the market's default (5-yuan minimum, charged once per order).
    expect(fees('default-1')).toEqual([504, 4, 2]);
    expect((await ex.account('default')).cash).toBe(100_000_000_00 - 1_000_000 - 510);
  });
});
