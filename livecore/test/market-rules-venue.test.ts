import { PortfolioSpec, type SubmitOrder } from '@ginkgo/contracts';
import { hkMarket, localTs, orderFeeTotal, withStCodes, cnAShareMarket } from '@ginkgo/core';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { PaperExchange, parseCsvTape, type BrokerReport } from '../src/index.js';
import { runEmbedded } from '../src/demo/embedded-system.js';
import { hkDemoPortfolios } from '../src/demo/demo-main.js';

let n = 0;
const hkDay = (hhmm: string) => localTs(hkMarket, '2026-11-24', hhmm);
const hkOrder = (o: Partial<SubmitOrder>): SubmitOrder => ({
  type: 'submit', clientOrderId: `hk-${++n}`, portfolioId: 'pf', epoch: 1, nodeId: 'n', market: 'hk', code: '0005.HK',
  side: 'BUY', orderType: 'LIMIT', price: 9_500, volume: 400, ts: hkDay('10:00'), reason: '', ...o,
});

const venue = (rules = hkMarket) => {
  const ex = new PaperExchange({ rules, fillOnSubmit: true });
  const reports: BrokerReport[] = [];
  ex.onReport((r) => reports.push(r));
  return { ex, reports };
};

describe('the paper venue applies core\'s market rules (same data as the engine)', () => {
  test('Hong Kong: board lot per stock, same-day resale, HK fees charged by the venue', async () => {
    const { ex, reports } = venue();
    await ex.submit(hkOrder({ volume: 500 }));
    expect(reports.at(-1)).toMatchObject({ event: 'REJECTED', reason: expect.stringMatching(/bad lot \(board-lot\).*multiples of 400/) });
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
    const o = (volume: number) => ({ ...hkOrder({}), market: 'cn', code: '600001.SH', price: 300, volume, ts, clientOrderId: `cn-${++n}` });
    await ex.submit(o(400_000));
    expect(reports.at(-1)).toMatchObject({ event: 'FILLED' });
    await ex.submit(o(200_000));
    expect(reports.at(-1)).toMatchObject({ event: 'REJECTED', reason: expect.stringContaining('st-daily-buy-cap') });
    await ex.submit(o(100_000));
    expect(reports.at(-1)).toMatchObject({ event: 'FILLED' });
  });

  test('a Portfolio on the HK market runs through the embedded pipeline with its own lots and fees, nothing rejected', async () => {
    const path = fileURLToPath(new URL('../tapes/hk-sample-3d.csv', import.meta.url));
    const tape = parseCsvTape(await readFile(path, 'utf8'), { market: 'hk', source: path });
    const run = await runEmbedded(hkDemoPortfolios, tape, { market: 'hk' });
    expect(run.orders.length).toBeGreaterThan(5);
    expect(run.rejections).toEqual([]);
    const lots: Record<string, number> = { '0700.HK': 100, '0005.HK': 400, '0941.HK': 500 };
    for (const o of run.orders) expect(o.volume % lots[o.code]!).toBe(0);
    expect(run.settlements.map((s) => s.currency)).toEqual(expect.arrayContaining(['HKD']));
    // shares bought and sold on the same day (no T+1) happen on this tape
    const day = (ts: number) => new Date(ts + 8 * 3_600_000).toISOString().slice(0, 10);
    const sameDay = run.orders.some((s) => s.side === 'SELL' && run.orders.some((b) => b.side === 'BUY' && b.code === s.code && day(b.ts) === day(s.ts) && b.ts < s.ts));
    expect(sameDay).toBe(true);
    const spec = PortfolioSpec.parse(hkDemoPortfolios['hk-ma-cross-demo']);
    expect(spec.commission).toEqual({ rate: '0.0003', minimum: '3.00' });
    expect(run.views.find((v) => v.portfolioId === 'hk-ma-cross-demo')?.feesPaid).toBeGreaterThan(0);
  });
});
