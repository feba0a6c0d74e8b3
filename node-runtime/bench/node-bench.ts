/**
 * node-runtime benchmark (issue 4), against the real Kafka of the test bed. Prints figures and ratios; asserts
 * nothing (the machine is shared, numbers are noisy).
 *   (a) raw kafkajs produce -> consume round trip, p50/p99
 *   (b) tick published -> order consumed through an ExecutionNode, p50/p99, and b/a (goal <= 1.5); its samples
 *       alternate (in turns of 25) with those of (a'), the raw kafkajs two-hop relay; b/a' is the node's own share
 *   (c) ticks/s one node routes into 500 portfolios x 20 codes, and its ratio to a raw kafkajs consumer (goal >= 0.7)
 * Every topic is under a per-run prefix (`bench-<id>...`), so tests sharing the test bed are not disturbed;
 * the bench deletes them at the end.
 *   npx tsc -b && npm run bench -w @ginkgo/node-runtime
 * Knobs: BENCH_RTT_SAMPLES (300), BENCH_PORTFOLIOS (500), BENCH_CODES_PER_PORTFOLIO (20), BENCH_CODE_UNIVERSE
 * (1000: a tick goes to 500*20/1000 = 10 portfolios), BENCH_TICKS (20000), BENCH_DEADLINE_MS (60000),
 * BENCH_ONLY=latency (only (a)/(b), e.g. against a private broker: KAFKA_BROKERS=127.0.0.1:<port>) or routing (only (c)).
 */
import { againstBaseline, createLogger, printBenchFigures } from '@ginkgo/platform';
import { Kafka, logLevel } from 'kafkajs';
import { ms, type LatencySummary } from './latency-stats.js';
import { alternate, rawRelay, rawRoundTrip } from './raw-round-trip.js';
import { routingThroughput } from './routing-throughput.js';
import { deleteRunTopics, kafkaBrokers } from './testbed-env.js';
import { tickToOrder } from './tick-to-order.js';

const num = (name: string, fallback: number) => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name}: must be a positive number, got "${process.env[name]}"`);
  return v;
};

const SAMPLES = num('BENCH_RTT_SAMPLES', 300);
const WARMUP = 20;
const PORTFOLIOS = num('BENCH_PORTFOLIOS', 500);
const PER_PORTFOLIO = num('BENCH_CODES_PER_PORTFOLIO', 20);
const UNIVERSE = num('BENCH_CODE_UNIVERSE', 1000);
const TICKS = num('BENCH_TICKS', 20000);
const DEADLINE_MS = num('BENCH_DEADLINE_MS', 60_000);
const ONLY = process.env.BENCH_ONLY;
if (ONLY !== undefined && ONLY !== 'latency' && ONLY !== 'routing')
  throw new Error(`BENCH_ONLY: "latency", "routing" or unset, got "${ONLY}"`);

// Warnings (kafkajs retry settings, alerts) would drown the figures; errors still show.
process.env.LOG_LEVEL ??= 'error';
const logger = createLogger('node-bench');
const brokers = kafkaBrokers();
const runId = `bench-${Date.now().toString(36)}`;
const kafka = new Kafka({ clientId: runId, brokers, logLevel: logLevel.ERROR });

// A stuck broker must not hang `make bench`.
const guard = setTimeout(() => {
  console.error('node-runtime bench: gave up after 5 minutes');
  process.exit(1);
}, 300_000);
guard.unref();

const line = (label: string, s: LatencySummary) =>
  console.log(`  ${label.padEnd(37)} p50 ${ms(s.p50)}  p99 ${ms(s.p99)}  max ${ms(s.max)}  (${s.samples} samples)`);
const goal = (ok: boolean) => (ok ? 'meets the goal' : 'MISSES the goal');

/** (a), (a') and (b): latency, one message at a time. */
async function latency(): Promise<void> {
  const a = await rawRoundTrip(kafka, `${runId}-rtt`, SAMPLES, WARMUP);
  // (a') and (b) take their samples in turns: the ratio compares them under the same load of the machine.
  const relaySampler = await rawRelay(kafka, `${runId}-relay`);
  let relay: LatencySummary;
  let b: LatencySummary;
  let bThreads: LatencySummary;
  try {
    const node = await tickToOrder({ kafka, brokers, runId, logger, ticks: SAMPLES + WARMUP, threads: 0 });
    const threaded = await tickToOrder({ kafka, brokers, runId, logger, ticks: SAMPLES + WARMUP, threads: 2 });
    try {
      [relay, b, bThreads] = (await alternate([relaySampler, node, threaded], SAMPLES, WARMUP)) as [
        LatencySummary,
        LatencySummary,
        LatencySummary,
      ];
    } finally {
      await node.close();
      await threaded.close();
    }
  } finally {
    await relaySampler.close();
  }
  console.log("latency, one message at a time (acks=all; (a') and (b) measured in turns):");
  line('(a) raw kafkajs produce->consume', a);
  line("(a') raw kafkajs, two hops (relay)", relay);
  line('(b) tick -> order via ExecutionNode', b);
  line('(b) the same, 2 worker threads', bThreads);
  const ratio50 = b.p50 / a.p50;
  const ratio99 = b.p99 / a.p99;
  console.log(
    `  b/a: p50 ${ratio50.toFixed(2)}, p99 ${ratio99.toFixed(2)} (goal <= 1.5: p50 ${goal(ratio50 <= 1.5)}, p99 ${goal(ratio99 <= 1.5)})`,
  );
  console.log(
    `  (b is two Kafka hops; for reference b/a': p50 ${(b.p50 / relay.p50).toFixed(2)}, p99 ${(b.p99 / relay.p99).toFixed(2)})`,
  );
  // Against the raw two-hop relay of the same run: the node's own share of the latency.
  printBenchFigures([
    {
      ...againstBaseline(
        { name: 'node.tickToOrder.p50.ratioTwoHop', value: b.p50 / relay.p50, unit: 'ratio', better: 'lower' },
        1,
      ),
      baseline: relay.p50,
      note: 'baseline: raw two-hop relay p50 in ms',
    },
    {
      ...againstBaseline(
        { name: 'node.tickToOrder.p99.ratioTwoHop', value: b.p99 / relay.p99, unit: 'ratio', better: 'lower' },
        1,
      ),
      baseline: relay.p99,
      note: 'baseline: raw two-hop relay p99 in ms',
    },
    { name: 'node.tickToOrder.p50.ms', value: Math.round(b.p50 * 1000) / 1000, unit: 'ms', better: 'lower' },
    {
      ...againstBaseline(
        {
          name: 'node.tickToOrder.p50.ratioTwoHop.threads2',
          value: bThreads.p50 / relay.p50,
          unit: 'ratio',
          better: 'lower',
        },
        1,
      ),
      baseline: relay.p50,
      note: 'the node with 2 worker threads; baseline: raw two-hop relay p50 in ms',
    },
    {
      ...againstBaseline(
        {
          name: 'node.tickToOrder.p99.ratioTwoHop.threads2',
          value: bThreads.p99 / relay.p99,
          unit: 'ratio',
          better: 'lower',
        },
        1,
      ),
      baseline: relay.p99,
      note: 'the node with 2 worker threads; baseline: raw two-hop relay p99 in ms',
    },
  ]);
}

async function main(): Promise<void> {
  const started = Date.now();
  console.log(
    `node-runtime bench on Kafka ${brokers.join(',')} (run ${runId}); figures are noisy on a shared 2-core machine`,
  );
  try {
    if (ONLY !== 'routing') await latency();
    if (ONLY === 'latency') return;

    const route = (threads: number) =>
      routingThroughput({
        kafka,
        brokers,
        runId,
        logger,
        portfolios: PORTFOLIOS,
        codesPerPortfolio: PER_PORTFOLIO,
        universe: UNIVERSE,
        ticks: TICKS,
        deadlineMs: DEADLINE_MS,
        threads,
        raw: threads === 0,
      });
    // The node on its own thread (with the plain consumers' baseline), then on one and on two worker threads.
    const c = await route(0);
    const rssOwnThread = Math.round(process.memoryUsage().rss / 1024 / 1024);
    const t1 = await route(1);
    const t2 = await route(2);
    console.log(
      `routing throughput: ${c.portfolios} portfolios x ${c.codesPerPortfolio} codes over ${c.universe} codes (each tick to ${c.fanOut.toFixed(1)} portfolios), backlog of ${c.ticks} ticks, no-op strategy, in-memory state:`,
    );
    console.log(`  assigning ${c.portfolios} portfolios took ${(c.assignMs / 1000).toFixed(1)} s`);
    console.log(`  (c) raw kafkajs consumer            ${c.rawRate.toFixed(0)} ticks/s`);
    console.log(
      `  (c) raw kafkajs, commit per message ${c.rawCommitEachRate.toFixed(0)} ticks/s (reference: what KafkaMessageBus does)`,
    );
    for (const [label, r] of [
      ['node, own thread', c],
      ['node, 1 worker thread', t1],
      ['node, 2 worker threads', t2],
    ] as const) {
      const partial =
        r.nodeTicks < r.ticks ? ` (only ${r.nodeTicks} of ${r.ticks} within ${DEADLINE_MS / 1000} s)` : '';
      console.log(
        `  (c) ${label.padEnd(31)}${r.nodeRate.toFixed(0)} ticks/s${partial}; ${r.workerEvents} worker events; node/raw ${(r.nodeRate / c.rawRate).toFixed(3)}`,
      );
    }
    const scaling = t2.nodeRate / t1.nodeRate;
    console.log(
      `  2 threads / 1 thread: ${scaling.toFixed(2)} (goal >= 1.8: ${goal(scaling >= 1.8)}); 2 threads / own thread: ${(t2.nodeRate / c.nodeRate).toFixed(2)}`,
    );
    const fanOut = Math.round(c.fanOut);
    const perThread = (r: typeof c, threads: number) => Math.round((r.nodeRate * r.fanOut) / threads);
    printBenchFigures([
      againstBaseline(
        {
          name: `node.routing.fanout${fanOut}.ticksPerSec.threads1`,
          value: t1.nodeRate,
          unit: 'ticks/s',
          better: 'higher',
        },
        c.rawRate,
      ),
      againstBaseline(
        {
          name: `node.routing.fanout${fanOut}.ticksPerSec.threads2`,
          value: t2.nodeRate,
          unit: 'ticks/s',
          better: 'higher',
        },
        c.rawRate,
      ),
      {
        ...againstBaseline(
          { name: `node.routing.fanout${fanOut}.scaling`, value: scaling, unit: 'ratio', better: 'higher' },
          1,
        ),
        note: 'ticks/s with 2 worker threads over 1 worker thread, same run',
      },
      againstBaseline(
        {
          name: `node.routing.fanout${fanOut}.ticksPerSec.ownThread`,
          value: c.nodeRate,
          unit: 'ticks/s',
          better: 'higher',
        },
        c.rawRate,
      ),
      {
        name: `node.routing.fanout${fanOut}.portfolioEventsPerSecPerThread.threads2`,
        value: perThread(t2, 2),
        unit: 'events/s',
        better: 'higher',
      },
      // The bench process hosts the node with its portfolios (and the bench's own Kafka clients).
      { name: `node.rss.pf${c.portfolios}.mb`, value: rssOwnThread, unit: 'MB', better: 'lower' },
    ]);
  } finally {
    await deleteRunTopics(kafka, runId, (m) => console.warn(`  (${m})`));
    console.log(`node-runtime bench done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error('node-runtime bench failed:', err);
    process.exit(1);
  },
);
