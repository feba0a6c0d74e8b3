import fc from 'fast-check';
import { DeadLetter, livecoreTopics, topics } from '@ginkgo/contracts';
import { KafkaMessageBus, createLogger, type MessageConsumer, type MessageProducer } from '@ginkgo/platform';
import { E2eCluster } from '../../operator/test/e2e-harness.js';
import { CONSUMED, certainlyBad } from '../../node-runtime/test/fuzz-payloads.js';
import { uniqueCodes } from './support/isolation.js';
import { eventually } from './support/processes.js';
import { buyAndHoldSpec } from '@ginkgo/platform/testing';

/**
 * Fuzzed payloads through the real broker into the running processes: 2,000 certainly-bad values on the
 * topics node-runtime and livecore consume (market data, order events, orders, livecore control), with good
 * ticks interleaved. Every process stays up and ready, every bad value lands in its topic's DLQ with a reason,
 * and the good ticks are all applied once: one order per code, each position exactly one lot. Each bad value
 * costs its consumer one acknowledged DLQ write before the next message, so the good ticks behind a flood of
 * bad ones arrive late (minutes on a loaded machine): the waits are generous, the assertions exact.
 */
const PER_TOPIC = Number(process.env.KAFKA_FUZZ_PER_TOPIC ?? 500);
const CODES = 10;

describe('fuzzed Kafka payloads through the real broker and processes', () => {
  const c = new E2eCluster('kfuzz');
  let bus: KafkaMessageBus;
  let producer: MessageProducer;
  const consumers: MessageConsumer[] = [];
  beforeAll(async () => {
    await c.start({ livecore: true });
    await c.startNode('k1');
    bus = new KafkaMessageBus({
      brokers: c.env.KAFKA_BROKERS!.split(','),
      clientId: `kfuzz-${c.suffix}`,
      logger: createLogger('kfuzz').child({}, { level: 'warn' }),
    });
    producer = await bus.producer();
  }, 180_000);
  afterAll(async () => {
    for (const k of consumers) await k.close().catch(() => undefined);
    await producer?.close().catch(() => undefined);
    await bus?.close().catch(() => undefined);
    await c.stop();
  }, 120_000);

  test(
    `${4 * PER_TOPIC} bad values interleaved with good ticks: all dead-lettered with a reason, every good tick applied once, processes ready`,
    async () => {
      const codes = uniqueCodes(CODES);
      const name = `kf-${c.suffix}`;
      await c.apply(name, buyAndHoldSpec(codes, '1000000.00'));
      await c.running(name);
      const watch = await c.watchOrders([name]);
      const marker = `kfz-${c.suffix}`;
      const targets = [
        {
          topic: topics.marketData('cn'),
          examples: CONSUMED.find((x) => x.topic === topics.marketData('cn'))!.examples,
        },
        {
          topic: topics.orderEvents('cn'),
          examples: CONSUMED.find((x) => x.topic === topics.orderEvents('cn'))!.examples,
        },
        { topic: topics.orders('cn'), examples: CONSUMED.find((x) => x.topic === topics.orders('cn'))!.examples },
        {
          topic: livecoreTopics.control('cn'),
          examples: CONSUMED.find((x) => x.topic === 'livecore.control.cn')!.examples,
        },
      ];
      // The DLQs, read from the beginning, keeping only our values (their keys carry the marker).
      const dead = new Map<string, DeadLetter>();
      for (const t of targets) {
        await bus.ensureTopics([{ topic: topics.deadLetter(t.topic) }]);
        const k = await bus.consumer({
          groupId: `kfuzz-dlq-${c.suffix}-${t.topic}`,
          topics: [topics.deadLetter(t.topic)],
          fromBeginning: true,
        });
        consumers.push(k);
        await k.run(async (m) => {
          if (!m.key?.startsWith(marker)) return;
          dead.set(m.key, DeadLetter.parse(JSON.parse(m.value ?? '{}')));
        });
        await k.joined();
      }
      const bad = targets.map((t, ti) =>
        fc
          .sample(fc.oneof(...t.examples.map((e) => certainlyBad(e))), { numRuns: PER_TOPIC, seed: 1506 + ti })
          .map((b, i) => ({ key: `${marker}-${ti}-${i}`, value: b.value ?? '', field: b.field })),
      );
      // Bad values in slices, one good tick after each slice (for the next code).
      const slice = Math.ceil(PER_TOPIC / CODES);
      for (let j = 0; j < CODES; j++) {
        for (const [ti, t] of targets.entries()) {
          const part = bad[ti]!.slice(j * slice, (j + 1) * slice);
          if (part.length)
            await producer.send(
              t.topic,
              part.map(({ key, value }) => ({ key, value })),
            );
        }
        await c.tick(codes[j]!, 1000);
      }
      // Every good tick applied once: one lot of every code, one order each, none twice.
      await c.until(
        'one lot of every code',
        name,
        (p) => codes.every((code) => p.status?.positions?.some((x) => x.code === code && x.volume === 100)),
        300_000,
      );
      const all = bad.flat();
      await eventually(
        `all ${all.length} bad values in the DLQs`,
        async () => (all.every((b) => dead.has(b.key)) ? true : undefined),
        120_000,
        500,
      );
      const unnamed = all.filter((b) => {
        const dl = dead.get(b.key)!;
        return b.field === 'not JSON' ? !dl.error.startsWith('value is not JSON') : !dl.error.includes(b.field);
      });
      expect(unnamed.map((b) => ({ key: b.key, field: b.field, error: dead.get(b.key)!.error }))).toEqual([]);
      const submits = watch.orders.filter((o) => o.type === 'submit');
      expect(new Set(submits.map((o) => o.clientOrderId)).size).toBe(CODES);
      expect(submits.map((o) => o.code).sort()).toEqual([...codes].sort());
      const p = await c.get(name);
      expect(p?.status?.positions?.map((x) => [x.code, x.volume]).sort()).toEqual(
        codes.map((code) => [code, 100]).sort(),
      );
      await watch.close();
      // Everyone still up and ready.
      for (const proc of [c.operator!, c.livecore!, c.node('k1')]) {
        expect({ proc: proc.name, exit: proc.child.exitCode }).toEqual({ proc: proc.name, exit: null });
        expect({ proc: proc.name, ready: (await fetch(`http://127.0.0.1:${proc.healthPort}/readyz`)).status }).toEqual({
          proc: proc.name,
          ready: 200,
        });
      }
      process.stdout.write(
        `kafka fuzz: ${all.length} bad values dead-lettered (${targets.map((t, i) => `${t.topic} ${bad[i]!.length}`).join(', ')}), ${CODES} good ticks applied once\n`,
      );
    },
    10 * 60_000,
  );
});
