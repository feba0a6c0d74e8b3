/**
 * Soak run (`make soak`, outside `make test`): one ExecutionNode on the test bed's Kafka routes SOAK_EVENTS
 * ticks (default one million) to SOAK_PORTFOLIOS portfolios; after each round the process' RSS and heap (after
 * a full GC when run with --expose-gc) are sampled. Prints the least-squares slope of each per million events,
 * past the warm-up, and fails when the heap grows faster than SOAK_MAX_HEAP_MB_PER_M: memory must stay flat.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { topics } from '@ginkgo/contracts';
import { createLogger } from '@ginkgo/platform';
import { Kafka, logLevel } from 'kafkajs';
import { assignCodeBlock, benchNode } from './bench-node.js';
import { codeUniverse, sessionStart, tick } from './bench-portfolios.js';
import { rawProducer } from './raw-round-trip.js';
import { kafkaBrokers } from './testbed-env.js';

const num = (name: string, dflt: number) => {
  const v = Number(process.env[name] ?? dflt);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number, got ${process.env[name]}`);
  return v;
};
const EVENTS = num('SOAK_EVENTS', 1_000_000);
const ROUND = num('SOAK_ROUND', 50_000);
const PORTFOLIOS = num('SOAK_PORTFOLIOS', 20);
const UNIVERSE = num('SOAK_CODES', 200);
const MAX_HEAP_MB_PER_M = num('SOAK_MAX_HEAP_MB_PER_M', 16);
const MB = 1024 * 1024;

/** Least-squares slope of y over x. */
function slope(points: [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const num = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const den = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

async function main(): Promise<void> {
  const brokers = kafkaBrokers();
  const runId = `soak-${Date.now().toString(36)}`;
  const logger = createLogger('soak').child({}, { level: 'warn' });
  const kafka = new Kafka({ clientId: runId, brokers, logLevel: logLevel.ERROR });
  let handled = 0;
  const { bus, node } = benchNode({ brokers, nodeId: runId, logger, onMarketData: () => handled++ });
  const codes = codeUniverse(UNIVERSE);
  const gc = (globalThis as { gc?: () => void }).gc;
  const samples: { events: number; rssMb: number; heapMb: number }[] = [];
  const producer = rawProducer(kafka);
  try {
    await node.prepare();
    const perPortfolio = Math.max(1, Math.floor(UNIVERSE / 10));
    for (let i = 0; i < PORTFOLIOS; i++) await assignCodeBlock(node, `${runId}-p${i}`, codes, i, perPortfolio);
    await node.consume();
    await producer.connect();
    const topic = bus.real(topics.marketData('cn'));
    for (let sent = 0; sent < EVENTS;) {
      const end = Math.min(EVENTS, sent + ROUND);
      for (let from = sent; from < end; from += 1000) {
        const batch = Array.from({ length: Math.min(1000, end - from) }, (_, k) => {
          const i = from + k;
          const code = codes[i % UNIVERSE]!;
          return { key: code, value: JSON.stringify(tick(i, code, sessionStart + i, runId)) };
        });
        await producer.send({ topic, acks: -1, messages: batch });
      }
      sent = end;
      // The round is consumed before memory is sampled (evidence: the handled count, not a pause).
      const deadline = Date.now() + 300_000;
      while (handled < sent) {
        if (Date.now() > deadline) throw new Error(`the node handled ${handled} of ${sent} ticks within 5 min`);
        await new Promise((r) => setTimeout(r, 100));
      }
      gc?.();
      const m = process.memoryUsage();
      samples.push({ events: sent, rssMb: m.rss / MB, heapMb: m.heapUsed / MB });
      process.stdout.write(
        `soak: ${sent} events, rss ${(m.rss / MB).toFixed(1)} MB, heap ${(m.heapUsed / MB).toFixed(1)} MB\n`,
      );
    }
  } finally {
    await producer.disconnect().catch(() => undefined);
    await node.stop().catch(() => undefined);
    await bus.close();
  }
  // Past the warm-up (first fifth): MB per million events.
  const steady = samples.slice(Math.floor(samples.length / 5));
  const perM = (key: 'rssMb' | 'heapMb') => slope(steady.map((s) => [s.events / 1e6, s[key]]));
  const result = {
    events: EVENTS,
    portfolios: PORTFOLIOS,
    gc: Boolean(gc),
    rssSlopeMbPerMillion: perM('rssMb'),
    heapSlopeMbPerMillion: perM('heapMb'),
    samples,
  };
  mkdirSync('reports', { recursive: true });
  writeFileSync('reports/soak.json', JSON.stringify(result, null, 2));
  process.stdout.write(
    `soak: ${EVENTS} events, ${PORTFOLIOS} portfolios: RSS slope ${result.rssSlopeMbPerMillion.toFixed(2)} MB per million events, ` +
      `heap slope ${result.heapSlopeMbPerMillion.toFixed(2)} MB per million events${gc ? '' : ' (no --expose-gc: heap not collected before sampling)'}\n`,
  );
  if (result.heapSlopeMbPerMillion > MAX_HEAP_MB_PER_M) {
    process.stderr.write(
      `heap grows ${result.heapSlopeMbPerMillion.toFixed(2)} MB per million events (limit ${MAX_HEAP_MB_PER_M}): a leak\n`,
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
