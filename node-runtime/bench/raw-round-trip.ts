import { Partitioners, type Kafka } from 'kafkajs';
import { performance } from 'node:perf_hooks';
import { summarize, type LatencySummary } from './latency-stats.js';

/** Waiters keyed by a message id, resolved with the time the message was consumed. */
export class ArrivalWaiters<K> {
  private readonly waiting = new Map<K, (at: number) => void>();

  expect(key: K, timeoutMs: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(key);
        reject(new Error(`no message for ${String(key)} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(key, (at) => {
        clearTimeout(timer);
        this.waiting.delete(key);
        resolve(at);
      });
    });
  }

  arrived(key: K): void {
    this.waiting.get(key)?.(performance.now());
  }
}

/** A kafkajs consumer that has joined its group (so nothing produced from now on is missed). */
export async function joinedConsumer(
  kafka: Kafka,
  groupId: string,
  topic: string,
  onMessage: (value: string) => unknown,
) {
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const joined = new Promise<void>((r) => consumer.on(consumer.events.GROUP_JOIN, () => r()));
  await consumer.run({
    eachMessage: async ({ message }) => {
      await onMessage(message.value?.toString() ?? '');
    },
  });
  await joined;
  return consumer;
}

export function rawProducer(kafka: Kafka) {
  return kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
}

/**
 * (a) Raw kafkajs: one message produced (acks=all), the time until a plain consumer gets it; one at a time on a
 * fresh single-partition topic. The floor any Kafka-based path is measured against.
 */
export async function rawRoundTrip(
  kafka: Kafka,
  topic: string,
  samples: number,
  warmup: number,
): Promise<LatencySummary> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
  await admin.disconnect();
  const waiters = new ArrivalWaiters<string>();
  const consumer = await joinedConsumer(kafka, `${topic}-consumer`, topic, (v) => waiters.arrived(v));
  const producer = rawProducer(kafka);
  await producer.connect();
  let lat: number[];
  try {
    lat = await timeEach(waiters, samples, warmup, (id) =>
      producer.send({ topic, acks: -1, messages: [{ key: 'k', value: id }] }),
    );
  } finally {
    await producer.disconnect();
    await consumer.disconnect();
  }
  return summarize(lat);
}

/** One latency sample at a time (message `i`), and the clean-up. */
export interface LatencySampler {
  sample(i: number): Promise<number>;
  close(): Promise<void>;
}

/** Samples a sampler takes in a row before the next one has its turn. */
const BLOCK = 25;
/** Quiet time before a sampler's turn: work the previous one left behind (a state save) is not counted here. */
const PAUSE_MS = 200;

/**
 * Takes the samples of several samplers in turns of BLOCK samples, so each sees the same load of a shared
 * machine over the run. Within a turn each sample follows the last one at once (what one left behind weighs on
 * its own next sample, as in a steady stream); between turns the machine gets PAUSE_MS to finish it. The first
 * `warmup` samples of each are not kept. One summary per sampler.
 */
export async function alternate(
  samplers: LatencySampler[],
  samples: number,
  warmup: number,
): Promise<LatencySummary[]> {
  const lat = samplers.map((): number[] => []);
  for (let start = 0; start < warmup + samples; start += BLOCK) {
    for (const [k, s] of samplers.entries()) {
      await new Promise((r) => setTimeout(r, PAUSE_MS));
      for (let i = start; i < Math.min(start + BLOCK, warmup + samples); i++) {
        const v = await s.sample(i);
        if (i >= warmup) lat[k]!.push(v);
      }
    }
  }
  return lat.map(summarize);
}

/**
 * (a') Reference for (b), which crosses Kafka twice: produce -> a plain consumer re-produces it (acks=all) to a
 * second topic -> a plain consumer gets it. What two hops cost with no node in between.
 */
export async function rawRelay(kafka: Kafka, topic: string): Promise<LatencySampler> {
  const [inTopic, outTopic] = [`${topic}-in`, `${topic}-out`];
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [inTopic, outTopic].map((t) => ({ topic: t, numPartitions: 1, replicationFactor: 1 })),
  });
  await admin.disconnect();
  const waiters = new ArrivalWaiters<string>();
  const producer = rawProducer(kafka);
  const relayProducer = rawProducer(kafka);
  await Promise.all([producer.connect(), relayProducer.connect()]);
  const relay = await joinedConsumer(kafka, `${inTopic}-relay`, inTopic, (v) =>
    relayProducer.send({ topic: outTopic, acks: -1, messages: [{ key: 'k', value: v }] }),
  );
  const consumer = await joinedConsumer(kafka, `${outTopic}-consumer`, outTopic, (v) => waiters.arrived(v));
  return {
    sample: (i) =>
      timeOne(waiters, `m${i}`, (id) =>
        producer.send({ topic: inTopic, acks: -1, messages: [{ key: 'k', value: id }] }),
      ),
    close: async () => {
      await Promise.all([producer.disconnect(), relayProducer.disconnect(), relay.disconnect(), consumer.disconnect()]);
    },
  };
}

/** The time from a send of message `id` until it arrived. */
async function timeOne(waiters: ArrivalWaiters<string>, id: string, send: (id: string) => Promise<unknown>) {
  const arrival = waiters.expect(id, 15_000);
  const t0 = performance.now();
  await send(id);
  return (await arrival) - t0;
}

/** Sends warmup + samples messages one at a time; each latency runs from a send to that message's arrival. */
async function timeEach(
  waiters: ArrivalWaiters<string>,
  samples: number,
  warmup: number,
  send: (id: string) => Promise<unknown>,
): Promise<number[]> {
  const lat: number[] = [];
  for (let i = 0; i < warmup + samples; i++) {
    const v = await timeOne(waiters, `m${i}`, send);
    if (i >= warmup) lat.push(v);
  }
  return lat;
}
