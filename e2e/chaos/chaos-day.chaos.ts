import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PortfolioSpec } from '@ginkgo/contracts';
import { generateSampleTape } from '@ginkgo/livecore';
import { loadStrategyPackages } from '@ginkgo/node-runtime';
import { runBacktest } from '@ginkgo/sdk';
import { repoRoot } from '../test/support/processes.js';
import { runChaos, type RunResult } from './chaos-run.js';
import { backtestOutcome, firstDifference, Names } from './outcome.js';
import { ChaosConfig, faultSchedule, portfolioSpecs, tradingDays } from './plan.js';

/**
 * `make chaos` (issue 15): many portfolios of mixed strategies over the sample tape on the chaos bed, run twice
 * from one seed, clean and under a seeded schedule of faults, and every portfolio must end the same in both:
 * cash, positions, realised PnL, fees, orders and fills; the gateway's ledger with nothing lost or doubled.
 */
const log = (line: string) => process.stdout.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? 0;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

test('chaos day: the faulted run ends exactly where the clean run ends', async () => {
  const cfg = ChaosConfig.parse(process.env);
  const seed = cfg.SEED ?? Math.floor(Math.random() * 1_000_000);
  const sample = generateSampleTape(undefined, tradingDays(cfg.CHAOS_DAYS));
  const sampleCodes = [...new Set(sample.flatMap((m) => (m.type === 'session' ? [] : [m.code])))];
  const specs = portfolioSpecs(seed, cfg.CHAOS_PORTFOLIOS, sampleCodes);
  const schedule = faultSchedule(seed, cfg.CHAOS_MINUTES * 60);
  const scheduleText = [
    `node ${schedule.partitioned} behind the Kafka proxy; node ${schedule.skewed} clock ${schedule.skewSeconds > 0 ? '+' : ''}${schedule.skewSeconds} s`,
    ...schedule.faults.map((f) => `  ${f.at} s ${f.kind}${f.node ? ` node ${f.node}` : ''} (${f.pause} s)`),
  ].join('\n');
  log(
    `SEED=${seed}: ${specs.length} portfolios, ${cfg.CHAOS_DAYS} days (${sample.length} messages), schedule:\n${scheduleText}`,
  );

  const started = Date.now();
  const base = { specs, sample, schedule, log };
  const clean = await runChaos({ ...base, label: 'clean', faults: false, minSeconds: 0 });
  const faulted = await runChaos({ ...base, label: 'faulted', faults: true, minSeconds: cfg.CHAOS_MINUTES * 60 });

  // The reference both runs should also meet: `ginkgo backtest` of the same tape and portfolios.
  const { registry } = await loadStrategyPackages(['@acme/strategies']);
  const bt = runBacktest(
    specs.map(([id, spec]) => ({ id, spec: PortfolioSpec.parse(spec) })),
    sample,
    { registry },
  );
  const plain = new Names();
  const diffs: string[] = [];
  const offBacktest: string[] = [];
  for (const run of bt) {
    const [a, b] = [clean.outcomes.get(run.portfolioId), faulted.outcomes.get(run.portfolioId)];
    if (!a || !b) {
      diffs.push(`${run.portfolioId}: missing from a run`);
      continue;
    }
    const d = firstDifference(a, b, 'clean', 'faulted');
    if (d) diffs.push(`${run.portfolioId} ${d}`);
    const r = firstDifference(a, backtestOutcome(plain, run), 'clean', 'backtest');
    if (r) offBacktest.push(`${run.portfolioId} ${r}`);
  }

  const recoveries = faulted.faults.map((f) => f.recoveryMs);
  const ledgerBad = (r: RunResult) => r.ledger.lost.length + r.ledger.duplicated.length + r.ledger.unpublished.length;
  const rows: [string, string][] = [
    ['seed', String(seed)],
    [
      'faults injected',
      `${faulted.faults.length} of ${schedule.faults.length} (+ clock skew, node ${schedule.skewed})`,
    ],
    ['portfolios compared', String(bt.length)],
    ['orders (clean / faulted)', `${clean.orders} / ${faulted.orders}`],
    ['fills (clean / faulted)', `${clean.fills} / ${faulted.fills}`],
    ['differences clean vs faulted', String(diffs.length)],
    ['stalls (not settled in 180 s)', `${faulted.stalls.length} (clean ${clean.stalls.length})`],
    ['clean vs backtest (reference)', `${bt.length - offBacktest.length}/${bt.length} equal`],
    [
      'ledger lost / duplicated / unpublished',
      `${faulted.ledger.lost.length} / ${faulted.ledger.duplicated.length} / ${faulted.ledger.unpublished.length} (clean ${ledgerBad(clean)})`,
    ],
    ['replays deduplicated by the gateway', String(faulted.gatewayDuplicates)],
    ['recovery after a fault (max / p50)', `${secs(Math.max(0, ...recoveries))} / ${secs(p50(recoveries))}`],
    [
      'longest time a portfolio was not trading',
      `${secs(faulted.longestOutage.ms)} (${faulted.longestOutage.portfolio || '-'}; clean ${secs(clean.longestOutage.ms)})`,
    ],
    ['tape played (clean / faulted)', `${secs(clean.tapeSeconds * 1000)} / ${secs(faulted.tapeSeconds * 1000)}`],
    ['whole run', secs(Date.now() - started)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const table = rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n');
  log(`result\n${table}`);
  for (const f of faulted.faults)
    log(`  ${f.fault.kind}${f.fault.node ? ` ${f.fault.node}` : ''}: ${secs(f.recoveryMs)} ${f.steps.join('; ')}`);
  for (const m of faulted.missed) log(`  not injected: ${m}`);
  for (const m of [...clean.stalls, ...faulted.stalls]) log(`  stall: ${m}`);
  for (const d of offBacktest.slice(0, 5)) log(`  clean vs backtest: ${d}`);

  const stalls = [...clean.stalls, ...faulted.stalls];
  const failed =
    diffs.length > 0 || ledgerBad(faulted) + ledgerBad(clean) > 0 || faulted.missed.length > 0 || stalls.length > 0;
  if (failed)
    log(
      `FAILED with SEED=${seed} (replay: make chaos SEED=${seed})\nschedule:\n${scheduleText}\nfirst difference: ${diffs[0] ?? '-'}\nfirst stall: ${stalls[0] ?? '-'}\nledger: ${JSON.stringify(faulted.ledger)}`,
    );
  mkdirSync(path.join(repoRoot, 'reports'), { recursive: true });
  writeFileSync(
    path.join(repoRoot, 'reports', 'chaos.json'),
    JSON.stringify(
      {
        seed,
        config: cfg,
        schedule,
        table: Object.fromEntries(rows),
        faults: faulted.faults,
        missed: faulted.missed,
        stalls,
        differences: diffs,
        cleanVsBacktest: offBacktest,
        ledger: { clean: clean.ledger, faulted: faulted.ledger },
        passed: !failed,
      },
      null,
      2,
    ),
  );
  expect({ seed, differences: diffs.slice(0, 5), ledger: faulted.ledger, missed: faulted.missed, stalls }).toEqual({
    seed,
    differences: [],
    ledger: expect.objectContaining({ lost: [], duplicated: [], unpublished: [] }),
    missed: [],
    stalls: [],
  });
});
