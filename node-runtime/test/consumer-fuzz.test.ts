import fc from 'fast-check';
import type { z } from 'zod';
import {
  DeadLetter,
  InterestUpdate,
  LivecoreCommand,
  MarketDataMessage,
  OrderEvent,
  OrderMessage,
  PortfolioSpec,
  SettlementMessage,
  deadLetterValueLimit,
  topics,
} from '@ginkgo/contracts';
import { PortfolioEngine, createDefaultRegistry } from '@ginkgo/core';
import { createLogger, validatedHandler, type IncomingMessage, type MessageProducer, type OutgoingMessage } from '@ginkgo/platform';

/**
 * Fuzzed Kafka payloads through the validation path every consumer uses (validatedHandler): 100,000 generated
 * values over the schemas of every consumed topic. Each is either handed to the handler as a schema-valid value
 * or sent to `<topic>.dlq` with a reason naming the field, never both, never a throw; values that are certainly
 * bad (truncated JSON, wrong types, NaN, huge or negative numbers, unknown types, invalid UTF-8, empty) always
 * land in the DLQ.
 */
const logger = createLogger('consumer-fuzz').child({}, { level: 'silent' });
const TOTAL = Number(process.env.FUZZ_TOTAL ?? 100_000);

/** The consumed topics, their schemas and a valid example each (mutated by the generators). */
const CONSUMED: Array<{ topic: string; schema: z.ZodType; examples: Array<Record<string, unknown>>; signedAmounts?: boolean }> = [
  {
    topic: topics.marketData('cn'),
    schema: MarketDataMessage,
    examples: [
      { type: 'price', eventId: 'md-1', ts: 1_764_000_000_000, seq: 1, market: 'cn', code: '600000.SH', kind: 'tick', price: 1000, volume: 100, prevClose: 990 },
      { type: 'session', eventId: 'md-2', ts: 1_764_000_000_000, seq: 2, market: 'cn', phase: 'open', tradingDay: '2026-11-24' },
      { type: 'corporate-action', eventId: 'md-3', ts: 1_764_000_000_000, seq: 3, market: 'cn', code: '600000.SH', cashPerShareMinor: 10, splitNumerator: 1, splitDenominator: 1 },
      { type: 'suspension', eventId: 'md-4', ts: 1_764_000_000_000, seq: 4, market: 'cn', code: '600000.SH', suspended: true },
    ],
  },
  {
    topic: topics.orderEvents('cn'),
    schema: OrderEvent,
    examples: [
      { type: 'order', eventId: 'oe-1', ts: 1_764_000_000_000, seq: 1, event: 'FILLED', market: 'cn', portfolioId: 'p', clientOrderId: 'p-1', fillId: 'f1', fillVolume: 100, fillPrice: 1000 },
      { type: 'order', eventId: 'oe-2', ts: 1_764_000_000_000, seq: 2, event: 'REJECTED', market: 'cn', portfolioId: 'p', clientOrderId: 'p-2', reason: 'no cash' },
    ],
  },
  {
    topic: topics.orders('cn'),
    schema: OrderMessage,
    examples: [
      { type: 'submit', portfolioId: 'p', epoch: 1, nodeId: 'n1', clientOrderId: 'p-1', market: 'cn', code: '600000.SH', side: 'BUY', orderType: 'LIMIT', price: 1000, volume: 100, ts: 1_764_000_000_000, reason: 'x' },
      { type: 'cancel', portfolioId: 'p', epoch: 1, nodeId: 'n1', clientOrderId: 'p-1', market: 'cn', ts: 1_764_000_000_000, force: false, reason: '' },
    ],
  },
  {
    topic: 'livecore.control.cn',
    schema: LivecoreCommand,
    examples: [
      { type: 'cancel', requestId: 'r1', market: 'cn', ts: 1_764_000_000_000, requestedBy: 'ops', clientOrderId: 'p-1', force: true, reason: 'stuck' },
      { type: 'reconcile', requestId: 'r2', market: 'cn', ts: 1_764_000_000_000 },
    ],
  },
  { topic: topics.interestUpdates, schema: InterestUpdate, examples: [{ nodeId: 'n1', market: 'cn', codes: ['600000.SH'], ts: 1_764_000_000_000 }] },
  {
    topic: 'settlements.cn',
    schema: SettlementMessage,
    examples: [], // filled below
    signedAmounts: true,
  },
];

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
    const m: IncomingMessage = { topic, partition: 0, offset: String(offset++), key: 'k', value, headers: {}, timestamp: '1764000000000' };
    return handler(m);
  };
  return { out, deliver };
}

/** A mutation that no schema accepts, and the field its reason must name. */
type Bad = { value: string | null; field: string };
const HUGE = [2 ** 53 + 2, 1e308, -1e308];
/** `signedAmounts`: the schema's numbers are money amounts that may be negative or fractional (settlement records). */
function certainlyBad(example: Record<string, unknown>, signedAmounts = false): fc.Arbitrary<Bad> {
  const json = JSON.stringify(example);
  const keys = Object.keys(example);
  const numeric = keys.filter((k) => typeof example[k] === 'number' && (example[k] as number) > 0);
  const set = (k: string, v: unknown) => JSON.stringify({ ...example, [k]: v });
  return fc.oneof(
    // Truncated JSON, empty and missing values, invalid UTF-8 decoded the way the consumer decodes bytes.
    fc.integer({ min: 0, max: json.length - 1 }).map((n) => ({ value: json.slice(0, n), field: 'not JSON' })),
    fc.constantFrom<Bad>({ value: '', field: 'not JSON' }, { value: null, field: 'not JSON' }, { value: 'null', field: '(root)' }, { value: '[]', field: '(root)' }),
    fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => ({ value: Buffer.from([0xff, 0xfe, ...b]).toString('utf8'), field: 'not JSON' })),
    // Wrong types: a field's value replaced by one of another JSON type (NaN and Infinity serialise as null).
    fc.tuple(fc.constantFrom(...keys), fc.constantFrom<unknown>(null, NaN, Infinity, true, [], {}, 'text', 12)).filter(([k, v]) => {
      const old = example[k];
      if (v === null || (typeof v === 'number' && !Number.isFinite(v))) return true;
      if (Array.isArray(v)) return !Array.isArray(old);
      if (typeof v === 'object') return typeof old !== 'object';
      return typeof v !== typeof old;
    }).map(([k, v]) => ({ value: set(k, v), field: k })),
    // Huge, fractional and negative numbers where a count, price or time belongs.
    fc.tuple(fc.constantFrom(...numeric), fc.constantFrom(...HUGE, ...(signedAmounts ? [] : [-1, -(2 ** 31), 1.5]))).map(([k, v]) => ({ value: set(k, v), field: k })),
    // Unknown message types.
    fc.string({ minLength: 1, maxLength: 20 }).filter((t) => !['price', 'session', 'corporate-action', 'suspension', 'order', 'submit', 'cancel', 'reconcile'].includes(t)).map((t) => ({
      value: set('type', t),
      field: 'type',
    })),
  ).filter((b) => !(b.field === 'type' && !('type' in example)) && !(b.field !== 'not JSON' && b.field !== '(root)' && !keys.includes(b.field)));
}

/** Anything at all: valid examples with random extra fields or ids, random JSON, random strings. */
function anything(example: Record<string, unknown>): fc.Arbitrary<string | null> {
  return fc.oneof(
    fc.record({ extra: fc.jsonValue({ maxDepth: 2 }), id: fc.string({ maxLength: 300 }) }).map(({ extra, id }) => JSON.stringify({ ...example, eventId: id, requestId: id, extra })),
    fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 200, unit: 'binary' }),
    fc.dictionary(fc.constantFrom(...Object.keys(example)), fc.jsonValue({ maxDepth: 1 })).map((d) => JSON.stringify({ ...example, ...d })),
    // Timestamps far in the past and future (valid while a safe non-negative integer).
    fc.oneof(fc.constant(0), fc.integer({ min: -10, max: 10 }), fc.constant(Number.MAX_SAFE_INTEGER), fc.constant(4_102_444_800_000)).map((ts) => JSON.stringify({ ...example, ts })),
  );
}

beforeAll(() => {
  const settlement = CONSUMED.find((c) => c.topic === 'settlements.cn')!;
  settlement.examples.push({
    portfolioId: 'p',
    tradingDay: '2026-11-24',
    ts: 1_764_000_000_000,
    currency: 'CNY',
    ...Object.fromEntries(['cash', 'equity', 'previousEquity', 'dailyPnl', 'realizedPnl', 'unrealizedPnl', 'feesPaid', 'dailyFees', 'dailyRealizedPnl'].map((k) => [k, 100])),
    expiredOrders: [],
    positions: [],
    equityCurve: [],
  });
  const r = SettlementMessage.safeParse(settlement.examples[0]);
  if (!r.success) throw new Error(`settlement example invalid: ${r.error.message}`);
});

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
          if (out.handled.length !== before.h || out.dead.length !== before.d + 1 || !dl) throw new Error(`certainly bad value was not dead-lettered once`);
          if (dl.sourceTopic !== topic || dl.value !== (b.value ?? '').slice(0, deadLetterValueLimit)) throw new Error(`dead letter does not carry the source: ${JSON.stringify(dl)}`);
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
            if (JSON.stringify(out.handled.at(-1)) !== JSON.stringify(parsed.data)) throw new Error('handled value differs from the parsed one');
          } else if (now.h !== before.h || now.d !== before.d + 1 || !out.dead.at(-1)?.error) throw new Error('invalid value not dead-lettered once with a reason');
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
    const spec = PortfolioSpec.parse({
      market: 'cn',
      initialCash: '100000.00',
      strategy: { name: 'buy-and-hold', params: {} },
      sizer: { name: 'fixed-volume', params: { volume: 100 } },
      interestedCodes: ['600000.SH', '600001.SH'],
    });
    const registry = createDefaultRegistry();
    const tick = (i: number) => ({ type: 'price', eventId: `t${i}`, ts: Date.UTC(2026, 10, 24, 2, 0, i), seq: i, market: 'cn', code: i % 2 ? '600001.SH' : '600000.SH', kind: 'tick', price: 1000 + i, volume: 100 });
    const md = CONSUMED[0]!;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.option(fc.oneof(...md.examples.map((e) => certainlyBad(e))), { freq: 2, nil: undefined }), { minLength: 1, maxLength: 60 }), async (slots) => {
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
      }),
      { numRuns: 200, seed: 15_04 },
    );
  });
});
