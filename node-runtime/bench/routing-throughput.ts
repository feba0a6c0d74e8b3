import { topics } from '@ginkgo/contracts';
import type { Logger } from '@ginkgo/platform';
import type { Kafka } from 'kafkajs';
import { performance } from 'node:perf_hooks';
import { assignCodeBlock, benchNode, benchWorkerHost } from './bench-node.js';
import { codeUniverse, sessionStart, tick } from './bench-portfolios.js';
import { rawProducer } from './raw-round-trip.js';

export interface RoutingFigures {
  portfolios: number;
  codesPerPortfolio: number;
  universe: number;
  /** Average portfolios one tick goes to. */
  fanOut: number;
  ticks: number;
  assignMs: number;
  rawRate: number;
  /** A plain consumer that commits after every message, as the node's KafkaMessageBus does. */
  rawCommitEachRate: number;
  nodeTicks: number;
  nodeRate: number;
  /** Ticks the workers handled (ticks x fan-out when all were routed). */
  workerEvents: number;
}

/** Rate over a first..last arrival window (join and fetch start-up are not counted). */
class RateWindow {
  count = 0;
  private first = 0;
  private last = 0;
  private done?: () => void;
  constructor(private readonly target: number) {}
  hit(): void {
    const now = performance.now();
    if (this.count === 0) this.first = now;
    this.last = now;
    this.count++;
    if (this.count >= this.target) this.done?.();
  }
  /** Resolves when the target is reached or at the deadline, whichever comes first. */
  wait(deadlineMs: number): Promise<void> {
    if (this.count >= this.target) return Promise.resolve();
    return new Promise<void>((r) => {
      const timer = setTimeout(r, deadlineMs);
      this.done = () => {
        clearTimeout(timer);
        r();
      };
    });
  }
  perSecond(): number {
    return this.count > 1 ? ((this.count - 1) * 1000) / (this.last - this.first) : 0;
  }
}

/**
 * (c) One node, P portfolios of C codes each (drawn from a universe of U codes, so a tick goes to P*C/U
 * portfolios), no-op strategy: how many ticks per second it routes from a backlog on `market.data.cn`, against a
 * plain kafkajs consumer (eachMessage + JSON.parse) reading the same backlog on the same topic.
 */
export async function routingThroughput(opts: {
  kafka: Kafka;
  brokers: string[];
  runId: string;
  logger: Logger;
  portfolios: number;
  codesPerPortfolio: number;
  universe: number;
  ticks: number;
  deadlineMs: number;
  /** Worker threads of the node (0: its own thread). */
  threads: number;
  /** Also measure the plain kafkajs consumers on the same backlog (once per bench run is enough). */
  raw: boolean;
}): Promise<RoutingFigures> {
  const {
    kafka,
    brokers,
    runId,
    logger,
    portfolios,
    codesPerPortfolio: perPortfolio,
    universe,
    ticks,
    deadlineMs,
    threads,
  } = opts;
  const nodeId = `${runId}-route-t${threads}`;
  const nodeWindow = new RateWindow(ticks);
  const workerHost = await benchWorkerHost(threads, nodeId, logger);
  const { bus, node } = benchNode({
    brokers,
    nodeId,
    logger,
    onMarketData: () => nodeWindow.hit(),
    ...(workerHost ? { workerHost } : {}),
  });
  const codes = codeUniverse(universe);
  const mdTopic = bus.real(topics.marketData('cn'));
  try {
    await node.prepare();
    // Portfolio i watches a block of C consecutive codes (wrapping around the universe): even fan-out per code.
    const t0 = performance.now();
    const ids = Array.from({ length: portfolios }, (_, i) => i);
    for (let from = 0; from < ids.length; from += 25) {
      await Promise.all(
        ids.slice(from, from + 25).map((i) => assignCodeBlock(node, `${runId}-p${i}`, codes, i, perPortfolio)),
      );
    }
    const assignMs = performance.now() - t0;

    // The backlog, codes in turn, event time 1 ms apart (in session, in order per code).
    const producer = rawProducer(kafka);
    await producer.connect();
    for (let from = 0; from < ticks; from += 1000) {
      const batch = Array.from({ length: Math.min(1000, ticks - from) }, (_, k) => {
        const i = from + k;
        const code = codes[i % universe]!;
        return { key: code, value: JSON.stringify(tick(i, code, sessionStart + i, runId)) };
      });
      await producer.send({ topic: mdTopic, acks: -1, messages: batch });
    }
    await producer.disconnect();

    const rawRate = opts.raw
      ? await plainConsumerRates(kafka, nodeId, mdTopic, ticks, deadlineMs)
      : { rate: 0, commitEach: 0 };

    // The node over the same backlog (its consumer starts from the beginning of the fresh topic).
    await node.consume();
    await nodeWindow.wait(deadlineMs);
    const workerEvents = node.runningWorkers().reduce((a, w) => a + w.processed, 0);
    return {
      portfolios,
      codesPerPortfolio: perPortfolio,
      universe,
      fanOut: (portfolios * perPortfolio) / universe,
      ticks,
      assignMs,
      rawRate: rawRate.rate,
      rawCommitEachRate: rawRate.commitEach,
      nodeTicks: nodeWindow.count,
      nodeRate: nodeWindow.perSecond(),
      workerEvents,
    };
  } finally {
    await node.stop().catch(() => undefined);
    await workerHost?.close();
    await bus.close();
  }
}

/** The plain kafkajs consumers over the same backlog: JSON.parse only, and committing every offset. */
async function plainConsumerRates(
  kafka: Kafka,
  nodeId: string,
  mdTopic: string,
  ticks: number,
  deadlineMs: number,
): Promise<{ rate: number; commitEach: number }> {
  // Raw kafkajs consumer over the backlog.
  const rawWindow = new RateWindow(ticks);
  const raw = kafka.consumer({ groupId: `${nodeId}-raw` });
  await raw.connect();
  await raw.subscribe({ topic: mdTopic, fromBeginning: true });
  await raw.run({
    eachMessage: async ({ message }) => {
      JSON.parse(message.value?.toString() ?? 'null');
      rawWindow.hit();
    },
  });
  await rawWindow.wait(deadlineMs);
  await raw.disconnect();

  // Reference: the same plain consumer committing each offset before the next message (at-least-once).
  const commitWindow = new RateWindow(ticks);
  const committing = kafka.consumer({ groupId: `${nodeId}-raw-commit` });
  await committing.connect();
  await committing.subscribe({ topic: mdTopic, fromBeginning: true });
  await committing.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      JSON.parse(message.value?.toString() ?? 'null');
      await committing.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
      commitWindow.hit();
    },
  });
  await commitWindow.wait(deadlineMs);
  await committing.disconnect();
  return { rate: rawWindow.perSecond(), commitEach: commitWindow.perSecond() };
}
