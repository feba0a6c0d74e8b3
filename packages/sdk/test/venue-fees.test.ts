import { PortfolioSpec, decimalToMinor, type PortfolioSpecInput } from '@ginkgo/contracts';
import { cnAShareMarket, commissionOf, hkMarket, orderFeeTotal, tradingDayOf, type MarketRules } from '@ginkgo/core';
import { generateHkSampleTape, generateSampleTape } from '@ginkgo/livecore';
import { runBacktest, type PortfolioRun } from '../src/index.js';

/**
 * The engine books fees from the Portfolio's commission and the market data's dated exchange fees; the paper
 * venue charges its account from the commission the order carries and the same market data. Run through the
 * backtest (engine + paper venue, as the live path wires them) with partial fills, the two must agree fill by
 * fill, and differ from what the market's default commission would have cost.
 */
function check(run: PortfolioRun, market: MarketRules, spec: PortfolioSpec, partialFills = true): void {
  const commission = commissionOf(market, spec.commission);
  expect(run.orders.length).toBeGreaterThan(0);
  expect(run.orders.every((o) => o.commission?.rate === spec.commission?.rate)).toBe(true);
  expect(run.fills.some((f) => f.side === 'SELL')).toBe(true);
  const byOrder = new Map<string, typeof run.fills>();
  for (const f of run.fills) byOrder.set(f.clientOrderId, [...(byOrder.get(f.clientOrderId) ?? []), f]);
  if (partialFills) expect([...byOrder.values()].some((fills) => fills.length > 1)).toBe(true);
  let cash = decimalToMinor(spec.initialCash);
  let differsFromDefault = false;
  for (const [id, fills] of byOrder) {
    const order = run.orders.find((o) => o.clientOrderId === id)!;
    const amount = fills.reduce((sum, f) => sum + f.volume * f.price, 0);
    const day = tradingDayOf(market, order.ts);
    // The venue's fees of an order add up to the schedule's fees on the order's cumulative amount.
    const own = orderFeeTotal(market, order.side, amount, { day, commission });
    expect(fills.reduce((sum, f) => sum + f.fee, 0)).toBe(own);
    if (own !== orderFeeTotal(market, order.side, amount, { day })) differsFromDefault = true;
    cash += (order.side === 'BUY' ? -amount : amount) - own;
  }
  expect(differsFromDefault).toBe(true);
  // The engine's books: the same fees in all, and the cash the venue's account holds after those fills.
  expect(run.final.feesPaid).toBe(run.fills.reduce((sum, f) => sum + f.fee, 0));
  expect(run.final.cash).toBe(cash + run.final.dividends);
}

const spec = (s: PortfolioSpecInput) => PortfolioSpec.parse(s);

test('fees: with a non-default broker commission the engine books exactly the fees the paper venue charges and reports (A shares, partial fills)', () => {
  const specs = {
    cheap: spec({
      initialCash: '1000000.00',
      strategy: { name: 'ma-cross', params: { short: 3, long: 10 } },
      sizer: { name: 'fixed-value', params: { value: 200000 } },
      interestedCodes: ['600000.SH', '000001.SZ', '300750.SZ', '601318.SH'],
      commission: { rate: '0.0001', minimum: '0.10' },
    }),
    dear: spec({
      initialCash: '1000000.00',
      strategy: { name: 'ma-cross', params: { short: 3, long: 10 } },
      sizer: { name: 'fixed-value', params: { value: 50000 } },
      interestedCodes: ['600000.SH', '000001.SZ', '300750.SZ', '601318.SH'],
      commission: { rate: '0.0003', minimum: '20.00' },
    }),
  };
  const runs = runBacktest(
    Object.entries(specs).map(([id, s]) => ({ id, spec: s })),
    generateSampleTape(),
    { exchange: { maxFillVolume: 3_000 } },
  );
  for (const run of runs) check(run, cnAShareMarket, specs[run.portfolioId as keyof typeof specs]);
});

test('fees: Hong Kong with a non-default broker commission: engine and paper venue book the same fees (stamp duty, levies, settlement fee, as dated in the market data)', () => {
  const s = spec({
    market: 'hk',
    initialCash: '2000000.00',
    strategy: { name: 'ma-cross', params: { short: 3, long: 10 } },
    sizer: { name: 'fixed-value', params: { value: 300000 } },
    interestedCodes: ['0700.HK', '0005.HK', '0941.HK'],
    commission: { rate: '0.0008', minimum: '50.00' },
  });
  const [run] = runBacktest([{ id: 'hk-broker', spec: s }], generateHkSampleTape(), {
    market: hkMarket,
    exchange: { maxFillVolume: 1_200 },
  });
  // Each HK order here fills once (1,200 at most), the rest expiring: the minimum is charged on that fill.
  check(run!, hkMarket, s, false);
});
