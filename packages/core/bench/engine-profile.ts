/**
 * Profiling entry: only the 500-portfolio part of the engine bench (full portfolios, shared tape), so that
 * `node --cpu-prof` or `--heap-prof` see the hot path alone.
 *   npm run bench -w @ginkgo/core   (builds dist-bench), then
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof packages/core/dist-bench/engine-profile.js [portfolios] [rounds] [full|baseline|strategy-only|risk-only] [ticks]
 */
import { engine, makeTape, run, type EngineKind } from './bench-setup.js';

const portfolios = Number(process.argv[2] ?? 500);
const rounds = Number(process.argv[3] ?? 3);
const kind = (process.argv[4] ?? 'full') as EngineKind;
const tape = makeTape(Number(process.argv[5] ?? 4_000), 11);
let best = Infinity;
for (let r = 0; r < rounds; r++) {
  const engines = Array.from({ length: portfolios }, (_, i) => engine(`p${i}`, kind));
  const cpu0 = process.cpuUsage();
  const t = run(engines, tape, false);
  const cpu = process.cpuUsage(cpu0);
  // CPU time as well as wall time: on a shared machine the wall time includes waiting for the core.
  const perEvent = (us: number) => (us / t.handled).toFixed(3);
  best = Math.min(best, (cpu.user + cpu.system) / t.handled);
  console.log(
    `round ${r}: ${perEvent(t.ms * 1000)} us wall, ${perEvent(cpu.user + cpu.system)} us cpu per portfolio-event (${t.handled} events, ${t.orders} orders)`,
  );
}
console.log(`best ${best.toFixed(3)} us cpu per portfolio-event`);
