import fc from 'fast-check';
import type { z } from 'zod';
import { CONSUMED, anything, certainlyBad } from './fuzz-payloads.js';
import { DeadLetter, MarketDataMessage, PortfolioSpec, deadLetterValueLimit } from '@ginkgo/contracts';
import { PortfolioEngine, createDefaultRegistry } from '@ginkgo/core';
import {
  createLogger,
  validatedHandler,
  type IncomingMessage,
  type MessageProducer,
  type OutgoingMessage,
} from '@ginkgo/platform';
import { buyAndHoldSpec } from '@ginkgo/platform/testing';

/**
 * Fuzzed Kafka payloads through the validation path every consumer uses (validatedHandler): 100,000 generated
 * values over the schemas of every consumed topic. Each is either handed to the handler as a schema-valid value
 * or sent to `<topic>.dlq` with a reason naming the field, never both, never a throw; values that are certainly
 * bad (truncated JSON, wrong types, NaN, huge or negative numbers, unknown types, invalid UTF-8, empty) always
 * land in the DLQ.
 */
const logger = createLogger('consumer-fuzz').child({}, { level: 'silent' });
const TOTAL = Number(process.env.FUZZ_TOTAL ?? 100_000);

/** What a value did: handled (schema-valid) or dead-lettered (with its reason). */
type Outcome = { handled: unknown[]; dead: DeadLetter[] };

function harness(topic: string, schema: z.ZodType) {
  const out: Outcome = { handled: [], dead: [] };
  const producer: MessageProducer = {
    send: async (to: string, messages: OutgoingMessage[]) => {
      expect(to).toBe(`${topic}.dlq`);
      for (const m of messages) out.dead.push(DeadLetter.parse(JSON.parse(String(m.value))));
    },
    close: async () => undefined,
  };
  const handler = validatedHandler({ schema, producer, logger, handle: async (v) => void out.handled.push(v) });
  let offset = 0;
  const deliver = (value: string | null) => {
    const m: IncomingMessage = {
      topic,
      partition: 0,
      offset: String(offset++),
      key: 'k',
      value,
      headers: {},
      timestamp: '1764000000000',
    };
    return handler(m);
  };
  return { out, deliver };
}

describe('fuzzed Kafka payloads through validatedHandler, every consumed topic', () => {
  test('100,000 generated values: each handled once as a valid value or dead-lettered with a reason naming the field; never a throw', async () => {
    let delivered = 0;
    const perTopic = Math.ceil(TOTAL / CONSUMED.length);
    for (const { topic, schema, examples, signedAmounts } of CONSUMED) {
      const { out, deliver } = harness(topic, schema);
      const bad = fc.oneof(...examples.map((e) => certainlyBad(e, signedAmounts)));
      const any = fc.oneof(...examples.map(anything));
      // Half certainly bad (DLQ, reason names the field), half anything (the outcome must agree with the schema).
      const runs = Math.ceil(perTopic / 2);
      await fc.assert(
        fc.asyncProperty(bad, async (b) => {
          const before = { h: out.handled.length, d: out.dead.length };
          await deliver(b.value);
          delivered++;
          const dl = out.dead.at(-1);
          // Plain checks (expect() is too slow for 100,000 rounds); the message says what went wrong.
          if (out.handled.length !== before.h || out.dead.length !== before.d + 1 || !dl)
            throw new Error(`certainly bad value was not dead-lettered once`);
          if (dl.sourceTopic !== topic || dl.value !== (b.value ?? '').slice(0, deadLetterValueLimit))
            throw new Error(`dead letter does not carry the source: ${JSON.stringify(dl)}`);
          const named = b.field === 'not JSON' ? dl.error.startsWith('value is not JSON') : dl.error.includes(b.field);
          if (!named) throw new Error(`reason "${dl.error}" does not name ${b.field}`);
        }),
        { numRuns: runs, seed: 15_02, endOnFailure: true },
      );
      await fc.assert(
        fc.asyncProperty(any, async (value) => {
          const before = { h: out.handled.length, d: out.dead.length };
          await deliver(value);
          delivered++;
          let parsed: ReturnType<typeof schema.safeParse> | undefined;
          try {
            parsed = schema.safeParse(JSON.parse(value ?? ''));
          } catch {
            parsed = undefined;
          }
          const now = { h: out.handled.length, d: out.dead.length };
          if (parsed?.success) {
            if (now.h !== before.h + 1 || now.d !== before.d) throw new Error('valid value not handled exactly once');
            if (JSON.stringify(out.handled.at(-1)) !== JSON.stringify(parsed.data))
              throw new Error('handled value differs from the parsed one');
          } else if (now.h !== before.h || now.d !== before.d + 1 || !out.dead.at(-1)?.error)
            throw new Error('invalid value not dead-lettered once with a reason');
        }),
        { numRuns: runs, seed: 15_03, endOnFailure: true },
      );
    }
    expect(delivered).toBeGreaterThanOrEqual(TOTAL);
  }, 180_000);

  test('10 MB values are dead-lettered with the reason, the value cut to 64 KiB and its length kept', async () => {
    for (const { topic, schema, examples } of CONSUMED) {
      const { out, deliver } = harness(topic, schema);
      const big = 'x'.repeat(10 * 1024 * 1024);
      await deliver(big);
      await deliver(JSON.stringify({ ...examples[0], ts: big }));
      expect(out.handled).toEqual([]);
      expect(out.dead.map((d) => [d.value.length, d.valueLength])).toEqual([
        [deadLetterValueLimit, big.length],
        [deadLetterValueLimit, big.length + JSON.stringify({ ...examples[0], ts: '' }).length],
      ]);
      expect(out.dead[1]!.error).toContain('ts');
    }
  });

  test('good market data interleaved with bad values: every good one applied once, the state equals a run without the bad ones', async () => {
    const spec = PortfolioSpec.parse(buyAndHoldSpec(['600000.SH', '600001.SH']));
    const registry = createDefaultRegistry();
    const tick = (i: number) => ({
      type: 'price',
      eventId: `t${i}`,
      ts: Date.UTC(2026, 10, 24, 2, 0, i),
      seq: i,
      market: 'cn',
      code: i % 2 ? '600001.SH' : '600000.SH',
      kind: 'tick',
      price: 1000 + i,
      volume: 100,
    });
    const md = CONSUMED[0]!;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(fc.oneof(...md.examples.map((e) => certainlyBad(e))), { freq: 2, nil: undefined }), {
          minLength: 1,
          maxLength: 60,
        }),
        async (slots) => {
          const fuzzed = PortfolioEngine.create({ portfolioId: 'p', spec, registry });
          const clean = PortfolioEngine.create({ portfolioId: 'p', spec, registry });
          const { out, deliver } = harness(md.topic, md.schema);
          const good: unknown[] = [];
          let i = 0;
          for (const slot of slots) {
            if (slot === undefined) {
              const t = tick(i++);
              good.push(t);
              await deliver(JSON.stringify(t));
            } else await deliver(slot.value);
          }
          for (const v of out.handled) fuzzed.handle(v as MarketDataMessage);
          for (const v of good) clean.handle(MarketDataMessage.parse(v));
          expect(out.handled).toEqual(good.map((g) => MarketDataMessage.parse(g)));
          expect(out.dead.length).toBe(slots.length - good.length);
          expect(fuzzed.view()).toEqual(clean.view());
        },
      ),
      { numRuns: 200, seed: 15_04 },
    );
  });
});
