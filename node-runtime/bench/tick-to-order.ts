import { topics } from '@ginkgo/contracts';
import type { Logger } from '@ginkgo/platform';
import type { Kafka } from 'kafkajs';
import { performance } from 'node:perf_hooks';
import { benchNode, benchWorkerHost } from './bench-node.js';
import { benchSpec, codeUniverse, sessionStart, tick } from './bench-portfolios.js';
import { ArrivalWaiters, joinedConsumer, rawProducer, type LatencySampler } from './raw-round-trip.js';

/**
 * A new code for every tick: nothing ever fills here, and an open buy blocks the next buy of its code. Ticks are
 * 50 ms of event time apart, so no order gets old enough (30 s) for a timeout cancel within a run.
 */
const STEP_MS = 50;

/**
 * (b) A tick published on `market.data.cn` (raw kafkajs, acks=all) until the order it causes is consumed from
 * `orders.cn` by a plain kafkajs consumer, through a real ExecutionNode (KafkaMessageBus, one portfolio that
 * buys on every tick, in-memory state). One tick at a time (tick `i` of at most `ticks`); the order's ts is the
 * tick's, which pairs them.
 */
export async function tickToOrder(opts: {
  kafka: Kafka;
  brokers: string[];
  runId: string;
  logger: Logger;
  ticks: number;
  /** Worker threads of the node (0: its own thread). */
  threads: number;
}): Promise<LatencySampler> {
  const { kafka, brokers, runId, logger, ticks, threads } = opts;
  const nodeId = `${runId}-lat-t${threads}`;
  const workerHost = await benchWorkerHost(threads, nodeId, logger);
  const { bus, node } = benchNode({ brokers, nodeId, logger, ...(workerHost ? { workerHost } : {}) });
  const codes = codeUniverse(ticks);
  if (codes.length > 2000)
    throw new Error('BENCH_RTT_SAMPLES: at most 2000 ticks (one code per tick, 2000 codes per portfolio)');
  const waiters = new ArrivalWaiters<number>();
  const producer = rawProducer(kafka);
  let consumer: Awaited<ReturnType<typeof joinedConsumer>> | undefined;
  const close = async () => {
    await producer.disconnect().catch(() => undefined);
    await consumer?.disconnect().catch(() => undefined);
    await node.stop().catch(() => undefined);
    await workerHost?.close();
    await bus.close();
  };
  try {
    await node.prepare();
    await node.assign({
      portfolioId: `${runId}-buyer`,
      spec: benchSpec('bench-buy-every-tick', codes),
      epoch: 1,
      generation: 1,
    });
    await node.consume();
    consumer = await joinedConsumer(kafka, `${nodeId}-orders`, bus.real(topics.orders('cn')), (v) => {
      const order = JSON.parse(v) as { type?: string; ts?: number };
      if (order.type === 'submit' && typeof order.ts === 'number') waiters.arrived(order.ts);
    });
    await producer.connect();
  } catch (err) {
    await close();
    throw err;
  }
  const mdTopic = bus.real(topics.marketData('cn'));
  return {
    sample: async (i) => {
      const code = codes[i]!;
      const t = tick(i, code, sessionStart + i * STEP_MS, runId);
      const arrival = waiters.expect(t.ts, 30_000);
      const t0 = performance.now();
      await producer.send({ topic: mdTopic, acks: -1, messages: [{ key: code, value: JSON.stringify(t) }] });
      return (await arrival) - t0;
    },
    close,
  };
}
