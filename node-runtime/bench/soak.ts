/**
 * Soak run (`make soak`, S7.01, outside `make test`): one ExecutionNode on the test bed's Kafka with
 * SOAK_PORTFOLIOS portfolios (default 500 x 20 codes over 1000 codes: each tick goes to 10 of them, as in the node
 * bench) takes a paced tape from a feeder child process (so the feeder's producer is not in the node's RSS):
 * SOAK_RATE ticks/s (default 2000) for SOAK_SECONDS, or SOAK_EVENTS ticks (default one million) when no duration is
 * given. Every SOAK_SAMPLE_SECONDS the process' RSS and heap (after a full GC: run with --expose-gc) are sampled.
 * Prints peak RSS and the least-squares slopes of RSS and heap per million events and per hour past the warm-up
 * (the first fifth), writes reports/soak.json and the `node.soak.*` bench figures, and fails when the heap grows
 * faster than SOAK_MAX_HEAP_MB_PER_M (default 16) or the node does not catch up with the feed. SOAK_HEAP_SNAPSHOT=1
 * writes a heap snapshot to reports/ at the end, before the portfolios stop.
 */
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { writeHeapSnapshot } from 'node:v8';
import { topics } from '@ginkgo/contracts';
import { createLogger, printBenchFigures } from '@ginkgo/platform';
import { Kafka, logLevel } from 'kafkajs';
import { assignCodeBlock, benchNode } from './bench-node.js';
import { codeUniverse } from './bench-portfolios.js';
import type { FeedPlan, FeedProgress } from './soak-feeder.js';
import { soakFigures, summarizeSoak, type SoakSample } from './soak-stats.js';
import { deleteRunTopics, kafkaBrokers } from './testbed-env.js';

const num = (name: string, dflt: number, zeroOk = false) => {
  const v = Number(process.env[name] ?? dflt);
  if (!Number.isFinite(v) || v < 0 || (v === 0 && !zeroOk))
    throw new Error(`${name} must be a positive number, got ${process.env[name]}`);
  return v;
};
const RATE = num('SOAK_RATE', 2000, true);
const SECONDS = process.env.SOAK_SECONDS ? num('SOAK_SECONDS', 0) : undefined;
if (SECONDS !== undefined && RATE === 0) throw new Error('SOAK_SECONDS needs a SOAK_RATE above 0');
const EVENTS = SECONDS !== undefined ? Math.round(RATE * SECONDS) : num('SOAK_EVENTS', 1_000_000);
const PORTFOLIOS = num('SOAK_PORTFOLIOS', 500);
const PER_PORTFOLIO = num('SOAK_CODES_PER_PORTFOLIO', 20);
const UNIVERSE = num('SOAK_CODES', 1000);
// About 120 samples over a paced run.
const SAMPLE_S = num('SOAK_SAMPLE_SECONDS', RATE > 0 ? Math.min(30, Math.max(2, EVENTS / RATE / 120)) : 2);
const MAX_HEAP_MB_PER_M = num('SOAK_MAX_HEAP_MB_PER_M', 16);
// After the feed ends, how long the node may take to handle the rest.
const DRAIN_MS = 300_000;
const MB = 1024 * 1024;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const brokers = kafkaBrokers();
  const runId = `soak-${Date.now().toString(36)}`;
  const logger = createLogger('soak').child({}, { level: 'warn' });
  let handled = 0;
  const { bus, node } = benchNode({ brokers, nodeId: runId, logger, onMarketData: () => handled++ });
  const codes = codeUniverse(UNIVERSE);
  const gc = (globalThis as { gc?: () => void }).gc;
  const samples: SoakSample[] = [];
  let sent = 0;
  let feedDone = false;
  let feedFailed: string | undefined;
  // Set when the node did not catch up with the feed: the figures are still written, and the run fails.
  let behind: string | undefined;
  const t0 = Date.now();
  const sample = (atS: number) => {
    gc?.();
    const m = process.memoryUsage();
    const s = {
      atS,
      events: handled,
      sent,
      rssMb: m.rss / MB,
      heapMb: m.heapUsed / MB,
      heapTotalMb: m.heapTotal / MB,
      externalMb: m.external / MB,
    };
    samples.push(s);
    process.stdout.write(
      `soak: ${atS.toFixed(0)} s, ${handled} of ${sent} sent ticks handled, rss ${s.rssMb.toFixed(1)} MB, ` +
        `heap ${s.heapMb.toFixed(1)} of ${s.heapTotalMb.toFixed(1)} MB, external ${s.externalMb.toFixed(1)} MB\n`,
    );
  };
  let feedStart!: number;
  let cpuAtFeed!: NodeJS.CpuUsage;
  mkdirSync('reports', { recursive: true });
  try {
    await node.prepare();
    for (let from = 0; from < PORTFOLIOS; from += 25) {
      const batch = Array.from({ length: Math.min(25, PORTFOLIOS - from) }, (_, k) => from + k);
      await Promise.all(batch.map((i) => assignCodeBlock(node, `${runId}-p${i}`, codes, i, PER_PORTFOLIO)));
    }
    await node.consume();
    process.stdout.write(`soak: ${PORTFOLIOS} portfolios assigned in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);

    const plan: FeedPlan = {
      brokers,
      topic: bus.real(topics.marketData('cn')),
      runId,
      total: EVENTS,
      rate: RATE,
      universe: UNIVERSE,
    };
    feedStart = Date.now();
    cpuAtFeed = process.cpuUsage();
    sample(0);
    const feeder = fork(new URL('./soak-feeder.js', import.meta.url), {
      env: { ...process.env, SOAK_FEED_PLAN: JSON.stringify(plan) },
    });
    feeder.on('message', (p: FeedProgress) => {
      sent = p.sent;
      feedDone ||= p.done;
    });
    feeder.on('exit', (code) => {
      if (!feedDone) feedFailed = `the feeder exited (code ${code}) after ${sent} of ${EVENTS} ticks`;
    });
    let nextSample = SAMPLE_S;
    let drainDeadline = Infinity;
    while (!(feedDone && handled >= EVENTS)) {
      if (feedFailed) throw new Error(feedFailed);
      if (feedDone && drainDeadline === Infinity) drainDeadline = Date.now() + DRAIN_MS;
      if (Date.now() > drainDeadline) {
        behind = `the node handled ${handled} of ${EVENTS} ticks within ${DRAIN_MS / 1000} s of the feed's end`;
        break;
      }
      const atS = (Date.now() - feedStart) / 1000;
      if (atS >= nextSample) {
        sample(atS);
        nextSample += SAMPLE_S;
      }
      await sleep(100);
    }
    sample((Date.now() - feedStart) / 1000);
    // What the heap holds at the end, portfolios still running (open in Chrome DevTools, Memory tab).
    if (process.env.SOAK_HEAP_SNAPSHOT === '1')
      process.stdout.write(`soak: heap snapshot ${writeHeapSnapshot(`reports/${runId}.heapsnapshot`)}\n`);
  } finally {
    await node.stop().catch(() => undefined);
    await bus.close();
    // An hour's tape is gigabytes on the shared test bed's disk.
    await deleteRunTopics(new Kafka({ clientId: `${runId}-admin`, brokers, logLevel: logLevel.ERROR }), runId, (m) =>
      process.stderr.write(`soak: ${m}\n`),
    );
  }
  const elapsedS = (Date.now() - feedStart) / 1000;
  const cpu = process.cpuUsage(cpuAtFeed);
  const cpuPct = ((cpu.user + cpu.system) / 1e6 / elapsedS) * 100;
  const summary = summarizeSoak(samples);
  const result = {
    events: EVENTS,
    rate: RATE,
    seconds: elapsedS,
    portfolios: PORTFOLIOS,
    codesPerPortfolio: PER_PORTFOLIO,
    universe: UNIVERSE,
    fanOut: (PORTFOLIOS * PER_PORTFOLIO) / UNIVERSE,
    gc: Boolean(gc),
    nodeCpuPercent: cpuPct,
    handled,
    ...(behind && { behind }),
    ...summary,
    samples,
  };
  writeFileSync('reports/soak.json', JSON.stringify(result, null, 2));
  const f = (v: number) => v.toFixed(2);
  process.stdout.write(
    `soak: ${EVENTS} ticks to ${PORTFOLIOS} portfolios (fan-out ${result.fanOut.toFixed(1)}) in ${elapsedS.toFixed(0)} s, ` +
      `node CPU ${cpuPct.toFixed(0)}% of a core; peak RSS ${summary.peakRssMb.toFixed(1)} MB, peak heap ${summary.peakHeapMb.toFixed(1)} MB\n` +
      `  RSS slope ${f(summary.rssSlopeMbPerMillion)} MB per million events, ${f(summary.rssSlopeMbPerHour)} MB per hour\n` +
      `  heap slope ${f(summary.heapSlopeMbPerMillion)} MB per million events, ${f(summary.heapSlopeMbPerHour)} MB per hour` +
      `${gc ? '' : ' (no --expose-gc: heap not collected before sampling)'}\n` +
      `  largest backlog at a sample ${summary.maxLag} ticks (queued in Kafka or in the portfolios' queues)\n`,
  );
  printBenchFigures(soakFigures(summary, PORTFOLIOS));
  if (behind) {
    process.stderr.write(`soak: ${behind}: the figures are of a node that fell behind the feed\n`);
    process.exit(1);
  }
  if (summary.heapSlopeMbPerMillion > MAX_HEAP_MB_PER_M) {
    process.stderr.write(
      `heap grows ${f(summary.heapSlopeMbPerMillion)} MB per million events (limit ${MAX_HEAP_MB_PER_M}): a leak\n`,
    );
    process.exit(1);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`soak failed: ${String(err)}\n`);
    process.exit(1);
  },
);
