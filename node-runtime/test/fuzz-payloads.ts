import fc from 'fast-check';
import type { z } from 'zod';
import {
  InterestUpdate,
  LivecoreCommand,
  MarketDataMessage,
  OrderEvent,
  OrderMessage,
  SettlementMessage,
  topics,
} from '@ginkgo/contracts';
import { testOrder } from '@ginkgo/platform/testing';

/** Fuzz payload generators shared by the unit test (validatedHandler) and the e2e test (real broker and processes). */
/** The consumed topics, their schemas and a valid example each (mutated by the generators). */
export const CONSUMED: Array<{
  topic: string;
  schema: z.ZodType;
  examples: Array<Record<string, unknown>>;
  signedAmounts?: boolean;
}> = [
  {
    topic: topics.marketData('cn'),
    schema: MarketDataMessage,
    examples: [
      {
        type: 'price',
        eventId: 'md-1',
        ts: 1_764_000_000_000,
        seq: 1,
        market: 'cn',
        code: '600000.SH',
        kind: 'tick',
        price: 1000,
        volume: 100,
        prevClose: 990,
      },
      {
        type: 'session',
        eventId: 'md-2',
        ts: 1_764_000_000_000,
        seq: 2,
        market: 'cn',
        phase: 'open',
        tradingDay: '2026-11-24',
      },
      {
        type: 'corporate-action',
        eventId: 'md-3',
        ts: 1_764_000_000_000,
        seq: 3,
        market: 'cn',
        code: '600000.SH',
        cashPerShareMinor: 10,
        splitNumerator: 1,
        splitDenominator: 1,
      },
      {
        type: 'suspension',
        eventId: 'md-4',
        ts: 1_764_000_000_000,
        seq: 4,
        market: 'cn',
        code: '600000.SH',
        suspended: true,
      },
    ],
  },
  {
    topic: topics.orderEvents('cn'),
    schema: OrderEvent,
    examples: [
      {
        type: 'order',
        eventId: 'oe-1',
        ts: 1_764_000_000_000,
        seq: 1,
        event: 'FILLED',
        market: 'cn',
        portfolioId: 'p',
        clientOrderId: 'p-1',
        fillId: 'f1',
        fillVolume: 100,
        fillPrice: 1000,
      },
      {
        type: 'order',
        eventId: 'oe-2',
        ts: 1_764_000_000_000,
        seq: 2,
        event: 'REJECTED',
        market: 'cn',
        portfolioId: 'p',
        clientOrderId: 'p-2',
        reason: 'no cash',
      },
    ],
  },
  {
    topic: topics.orders('cn'),
    schema: OrderMessage,
    examples: [
      testOrder({ nodeId: 'n1', ts: 1_764_000_000_000, reason: 'x' }),
      {
        type: 'cancel',
        portfolioId: 'p',
        epoch: 1,
        nodeId: 'n1',
        clientOrderId: 'p-1',
        market: 'cn',
        ts: 1_764_000_000_000,
        force: false,
        reason: '',
      },
    ],
  },
  {
    topic: 'livecore.control.cn',
    schema: LivecoreCommand,
    examples: [
      {
        type: 'cancel',
        requestId: 'r1',
        market: 'cn',
        ts: 1_764_000_000_000,
        requestedBy: 'ops',
        clientOrderId: 'p-1',
        force: true,
        reason: 'stuck',
      },
      { type: 'reconcile', requestId: 'r2', market: 'cn', ts: 1_764_000_000_000 },
    ],
  },
  {
    topic: topics.interestUpdates,
    schema: InterestUpdate,
    examples: [{ nodeId: 'n1', market: 'cn', codes: ['600000.SH'], ts: 1_764_000_000_000 }],
  },
  {
    topic: 'settlements.cn',
    schema: SettlementMessage,
    examples: [], // filled below
    signedAmounts: true,
  },
];

/** A mutation that no schema accepts, and the field its reason must name. */
export type Bad = { value: string | null; field: string };
const HUGE = [2 ** 53 + 2, 1e308, -1e308];
/** `signedAmounts`: the schema's numbers are money amounts that may be negative or fractional (settlement records). */
export function certainlyBad(example: Record<string, unknown>, signedAmounts = false): fc.Arbitrary<Bad> {
  const json = JSON.stringify(example);
  const keys = Object.keys(example);
  const numeric = keys.filter((k) => typeof example[k] === 'number' && (example[k] as number) > 0);
  const set = (k: string, v: unknown) => JSON.stringify({ ...example, [k]: v });
  return fc
    .oneof(
      // Truncated JSON, empty and missing values, invalid UTF-8 decoded the way the consumer decodes bytes.
      fc.integer({ min: 0, max: json.length - 1 }).map((n) => ({ value: json.slice(0, n), field: 'not JSON' })),
      fc.constantFrom<Bad>(
        { value: '', field: 'not JSON' },
        { value: null, field: 'not JSON' },
        { value: 'null', field: '(root)' },
        { value: '[]', field: '(root)' },
      ),
      fc
        .uint8Array({ minLength: 1, maxLength: 64 })
        .map((b) => ({ value: Buffer.from([0xff, 0xfe, ...b]).toString('utf8'), field: 'not JSON' })),
      // Wrong types: a field's value replaced by one of another JSON type (NaN and Infinity serialise as null).
      fc
        .tuple(fc.constantFrom(...keys), fc.constantFrom<unknown>(null, NaN, Infinity, true, [], {}, 'text', 12))
        .filter(([k, v]) => {
          const old = example[k];
          if (v === null || (typeof v === 'number' && !Number.isFinite(v))) return true;
          if (Array.isArray(v)) return !Array.isArray(old);
          if (typeof v === 'object') return typeof old !== 'object';
          return typeof v !== typeof old;
        })
        .map(([k, v]) => ({ value: set(k, v), field: k })),
      // Huge, fractional and negative numbers where a count, price or time belongs.
      fc
        .tuple(fc.constantFrom(...numeric), fc.constantFrom(...HUGE, ...(signedAmounts ? [] : [-1, -(2 ** 31), 1.5])))
        .map(([k, v]) => ({ value: set(k, v), field: k })),
      // Unknown message types.
      fc
        .string({ minLength: 1, maxLength: 20 })
        .filter(
          (t) =>
            !['price', 'session', 'corporate-action', 'suspension', 'order', 'submit', 'cancel', 'reconcile'].includes(
              t,
            ),
        )
        .map((t) => ({
          value: set('type', t),
          field: 'type',
        })),
    )
    .filter(
      (b) =>
        !(b.field === 'type' && !('type' in example)) &&
        !(b.field !== 'not JSON' && b.field !== '(root)' && !keys.includes(b.field)),
    );
}

/** Anything at all: valid examples with random extra fields or ids, random JSON, random strings. */
export function anything(example: Record<string, unknown>): fc.Arbitrary<string | null> {
  return fc.oneof(
    fc
      .record({ extra: fc.jsonValue({ maxDepth: 2 }), id: fc.string({ maxLength: 300 }) })
      .map(({ extra, id }) => JSON.stringify({ ...example, eventId: id, requestId: id, extra })),
    fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 200, unit: 'binary' }),
    fc
      .dictionary(fc.constantFrom(...Object.keys(example)), fc.jsonValue({ maxDepth: 1 }))
      .map((d) => JSON.stringify({ ...example, ...d })),
    // Timestamps far in the past and future (valid while a safe non-negative integer).
    fc
      .oneof(
        fc.constant(0),
        fc.integer({ min: -10, max: 10 }),
        fc.constant(Number.MAX_SAFE_INTEGER),
        fc.constant(4_102_444_800_000),
      )
      .map((ts) => JSON.stringify({ ...example, ts })),
  );
}

// The settlement example, checked against its schema once at load.
{
  const settlement = CONSUMED.find((c) => c.topic === 'settlements.cn')!;
  settlement.examples.push({
    portfolioId: 'p',
    tradingDay: '2026-11-24',
    ts: 1_764_000_000_000,
    currency: 'CNY',
    ...Object.fromEntries(
      [
        'cash',
        'equity',
        'previousEquity',
        'dailyPnl',
        'realizedPnl',
        'unrealizedPnl',
        'feesPaid',
        'dailyFees',
        'dailyRealizedPnl',
      ].map((k) => [k, 100]),
    ),
    expiredOrders: [],
    positions: [],
    equityCurve: [],
  });
  const r = SettlementMessage.safeParse(settlement.examples[0]);
  if (!r.success) throw new Error(`settlement example invalid: ${r.error.message}`);
}
