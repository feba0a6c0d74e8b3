/**
 * Engine benchmark: events/s and p50/p99 latency per event through one portfolio (ma-cross + two risk
 * managers + sizer) and through 500 portfolios sharing one tape, each against a baseline measured in the
 * same run (a no-op strategy, no risk managers). Prints figures; asserts nothing.
 *   npx tsc -b && npm run bench -w @ginkgo/core
 */
import type { PriceUpdate } from '@ginkgo/contracts';
import { engine, makeTape, run } from './bench-setup.js';

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

interface Figures {
  eventsPerSec: number;
  p50us: number;
  p99us: number;
  orders: number;
}

function measure(label: string, portfolios: number, kind: 'full' | 'baseline', tape: PriceUpdate[]): Figures {
  const mk = () => Array.from({ length: portfolios }, (_, i) => engine(`p${i}`, kind));
  run(mk(), tape.slice(0, Math.min(tape.length, 2000)), false); // warm-up
  const throughput = run(mk(), tape, false);
  const timed = run(mk(), tape, true);
  const f: Figures = {
    eventsPerSec: Math.round((throughput.handled / throughput.ms) * 1000),
    p50us: pct(timed.lat, 50) * 1000,
    p99us: pct(timed.lat, 99) * 1000,
    orders: throughput.orders,
  };
  console.log(
    `${label.padEnd(44)} ${String(f.eventsPerSec).padStart(10)} ev/s   p50 ${f.p50us.toFixed(2).padStart(8)} us   p99 ${f.p99us.toFixed(2).padStart(8)} us   (${throughput.handled} events, ${f.orders} orders, ${throughput.ms.toFixed(0)} ms)`,
  );
  return f;
}

const single = makeTape(200_000);
const shared = makeTape(4_000, 11);
console.log(`node ${process.version}; per-event latency = one tape event through all portfolios of the run\n`);
const base1 = measure('1 portfolio, baseline (no-op strategy)', 1, 'baseline', single);
const full1 = measure('1 portfolio, ma-cross + 2 risk + sizer', 1, 'full', single);
const base500 = measure('500 portfolios, baseline, shared tape', 500, 'baseline', shared);
const full500 = measure('500 portfolios, ma-cross + 2 risk + sizer', 500, 'full', shared);
const ratio = (a: number, b: number) => (a / b).toFixed(2);
console.log(`\nratios vs baseline (throughput full/baseline; p99 full/baseline)`);
console.log(
  `  1 portfolio:    ${ratio(full1.eventsPerSec, base1.eventsPerSec)}x throughput, ${ratio(full1.p99us, base1.p99us)}x p99`,
);
console.log(
  `  500 portfolios: ${ratio(full500.eventsPerSec, base500.eventsPerSec)}x throughput, ${ratio(full500.p99us, base500.p99us)}x p99`,
);
console.log(`  500-portfolio p99 per portfolio-event: ${(full500.p99us / 500).toFixed(2)} us`);
console.log(`goal (issue 3): p99 <= 50 us per event and >= 200,000 price events/s on one core`);

// Figures for reports/bench.json (collected by `make bench`; the core stays free of I/O, so plain lines here).
const figure = (f: { name: string; value: number; unit: string; baseline?: number; better: 'higher' | 'lower' }) => {
  const r = (x: number) => Math.round(x * 1000) / 1000;
  const withRatio = f.baseline === undefined ? {} : { baseline: r(f.baseline), ratio: r(f.value / f.baseline) };
  console.log(`BENCH_FIGURE ${JSON.stringify({ ...f, value: r(f.value), ...withRatio })}`);
};
figure({
  name: 'engine.pf1.eventsPerSec',
  value: full1.eventsPerSec,
  unit: 'events/s',
  baseline: base1.eventsPerSec,
  better: 'higher',
});
figure({ name: 'engine.pf1.p99us', value: full1.p99us, unit: 'us', baseline: base1.p99us, better: 'lower' });
// Cost of one portfolio-event when 500 portfolios share a tape (throughput counts portfolio-events).
figure({
  name: 'engine.pf500.usPerEvent',
  value: 1e6 / full500.eventsPerSec,
  unit: 'us',
  baseline: 1e6 / base500.eventsPerSec,
  better: 'lower',
});
