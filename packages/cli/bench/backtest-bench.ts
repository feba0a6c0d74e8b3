import { PortfolioSpec } from '@ginkgo/contracts';
import { runBacktest, ticks, mergeTapes } from '@ginkgo/sdk';

/** One portfolio (ma-cross, sizer, cash check) over 1,000,000 tick events through engine + paper venue. */
const N = 1_000_000;
const codes = ['600000.SH', '000001.SZ', '300750.SZ', '601318.SH'];
let seed = 7;
const rnd = () => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647;
const perCode = N / codes.length;
const tapes = codes.map((code, k) => {
  let p = 1000 + k * 500;
  const base = p;
  const prices = Array.from(
    { length: perCode },
    () => (p = Math.max(Math.round(base * 0.95), Math.min(Math.round(base * 1.05), p + Math.round((rnd() - 0.5) * 6)))),
  );
  // 4,800 ticks a day (20 a minute) over ~52 days: prices stay inside each day's limits.
  return ticks({ code, prices, perDay: 4800, prevClose: base });
});
const tape = mergeTapes(...tapes);
const spec = PortfolioSpec.parse({
  initialCash: '1000000.00',
  strategy: { name: 'ma-cross', params: { short: 20, long: 100 } },
  riskManagers: [{ name: 'position-ratio', params: { maxRatio: 0.3 } }],
  sizer: { name: 'fixed-value', params: { value: 100000 } },
  interestedCodes: codes,
});
const priceEvents = tape.filter((m) => m.type === 'price').length;
const t0 = process.hrtime.bigint();
const [run] = runBacktest([{ id: 'pf1', spec }], tape);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(
  `backtest, 1 portfolio (ma-cross + position-ratio + fixed-value) over ${priceEvents} tick events (${tape.length} with sessions): ${seconds.toFixed(2)} s, ${Math.round(priceEvents / seconds)} ev/s, ${run!.orders.length} orders, ${run!.fills.length} fills`,
);
// Collected by `make bench` into reports/bench.json.
console.log(
  `BENCH_FIGURE ${JSON.stringify({ name: 'backtest.pf1.1mTicks.seconds', value: Math.round(seconds * 1000) / 1000, unit: 's', better: 'lower', note: `${priceEvents} tick events, one portfolio, engine + paper venue` })}`,
);
