import fc from 'fast-check';
import {
  checkOrder,
  cnAShareMarket,
  hkMarket,
  instrumentRules,
  localTs,
  tickAt,
  tradingDayOf,
  withReferenceData,
} from '../src/index.js';
import { scripted } from './helpers.js';

/**
 * Property: no order the engine emits would be refused by the exchange rules in force that day. Signals ask for
 * arbitrary explicit volumes (or none) on every A-share board, including an ST stock and a fresh IPO, on days
 * either side of rule changes; every emitted order is checked against core's rules of its own trading day with
 * the portfolio's sellable balance and the day's bought volume as the exchange sees them.
 */
const CODES = ['600001.SH', '000001.SZ', '300750.SZ', '688981.SH', '830799.BJ', '688999.SH'];
const DAYS = ['2020-08-21', '2020-08-24', '2026-07-03', '2026-07-06', '2026-09-28', '2026-09-29', '2026-10-12'];
const RUNS = Number(process.env.PROP_RUNS ?? 300);

const market = withReferenceData(cnAShareMarket, {
  market: 'cn',
  source: 'property test',
  asOf: '2026-11-30',
  instruments: [
    { code: '600001.SH', st: [{ from: '2026-01-01' }] },
    { code: '688999.SH', listed: '2026-09-28' },
    { code: '000001.SZ', suspended: [{ from: '2026-09-29', until: '2026-09-30' }] },
  ],
});

type Cmd = { code: number; dir: 'LONG' | 'SHORT'; volume: number | null; move: number; fill: boolean };

const cmd: fc.Arbitrary<Cmd> = fc.record({
  code: fc.nat(CODES.length - 1),
  dir: fc.constantFrom('LONG' as const, 'SHORT' as const),
  volume: fc.option(fc.oneof(fc.integer({ min: 1, max: 1_200 }), fc.integer({ min: 1, max: 700_000 })), { nil: null }),
  move: fc.integer({ min: -350, max: 350 }),
  fill: fc.boolean(),
});

test('no order the engine emits would be refused by the exchange rules in force that day (fast-check)', () => {
  const seen = { orders: 0, refused: 0 };
  fc.assert(
    fc.property(fc.nat(DAYS.length - 1), fc.array(cmd, { minLength: 1, maxLength: 40 }), (dayIdx, cmds) => {
      const day = DAYS[dayIdx]!;
      const { e, box } = scripted(
        {
          initialCash: '50000000.00',
          interestedCodes: CODES,
          sizer: { name: 'percent-equity', params: { percent: 7 } },
        },
        { id: 'p', market, config: { staleSignalMs: 10_000_000 } },
      );
      const prices = CODES.map(() => 2_000);
      const bought = new Map<string, number>();
      let ts = localTs(market, day, '09:31');
      let n = 0;
      for (const c of cmds) {
        const code = CODES[c.code]!;
        const prevClose = 2_000;
        prices[c.code] = Math.max(1_001, Math.min(2_399, prices[c.code]! + c.move));
        box.want = [
          c.volume === null
            ? { code, direction: c.dir, reason: 'p' }
            : { code, direction: c.dir, reason: 'p', volume: c.volume },
        ];
        const before = e.view();
        const available = before.positions.find((p) => p.code === code)?.availableToSell ?? 0;
        ts += 1_000;
        const out = e.handle({
          type: 'price',
          eventId: `x${++n}`,
          ts,
          seq: n,
          market: 'cn',
          code,
          kind: 'tick',
          price: prices[c.code]!,
          volume: 0,
          prevClose,
        });
        for (const o of out.orders) {
          const rules = instrumentRules(market, o.code, tradingDayOf(market, o.ts));
          const v = checkOrder(rules, o, {
            prevClose,
            sellableBalance: available,
            boughtToday: bought.get(o.code) ?? 0,
          });
          if (v)
            throw new Error(
              `engine emitted an order the exchange refuses: ${JSON.stringify(o)} -> ${v.rule}: ${v.message}`,
            );
          seen.orders += 1;
          if (o.side === 'BUY') bought.set(o.code, (bought.get(o.code) ?? 0) + o.volume);
          if (c.fill)
            e.handle({
              type: 'order',
              eventId: `f${++n}`,
              ts: ts + 1,
              seq: n,
              market: 'cn',
              portfolioId: 'p',
              clientOrderId: o.clientOrderId,
              event: 'FILLED',
              fillId: `f${n}`,
              fillVolume: o.volume,
              fillPrice: o.price,
            });
          else {
            e.handle({
              type: 'order',
              eventId: `c${++n}`,
              ts: ts + 1,
              seq: n,
              market: 'cn',
              portfolioId: 'p',
              clientOrderId: o.clientOrderId,
              event: 'CANCELLED',
            });
            // A cancelled buy no longer counts towards the risk-warning cap.
            if (o.side === 'BUY') bought.set(o.code, (bought.get(o.code) ?? 0) - o.volume);
          }
        }
        for (const a of out.alerts) {
          if (a.code !== 'ORDER_REFUSED') continue;
          seen.refused += 1;
          expect(e.view().frozenCash).toBe(before.frozenCash);
        }
      }
    }),
    { numRuns: RUNS },
  );
  // The property was exercised: orders went out and some were refused by a rule.
  expect(seen.orders).toBeGreaterThan(RUNS / 4);
  expect(seen.refused).toBeGreaterThan(0);
});

/**
 * The same property on Hong Kong data: per-stock board lots, the spread table of the day (on both sides of its
 * 2025-08-04 change) and explicit limit prices that may be off the grid; sells must be whole lots.
 */
const HK_CODES = ['0700.HK', '0005.HK', '2318.HK'];
const HK_START = [42_000, 9_500, 4_500];
const hk = withReferenceData(hkMarket, {
  market: 'hk',
  source: 'property test',
  asOf: '2026-11-30',
  instruments: [
    { code: '0700.HK', boardLots: [{ from: '2004-06-16', size: 100 }] },
    { code: '0005.HK', boardLots: [{ from: '2000-01-01', size: 400 }] },
    { code: '2318.HK', boardLots: [{ from: '2004-06-24', size: 500 }] },
  ],
});

type HkCmd = Cmd & { limit: number | null };
const hkCmd: fc.Arbitrary<HkCmd> = fc.record({
  code: fc.nat(HK_CODES.length - 1),
  dir: fc.constantFrom('LONG' as const, 'SHORT' as const),
  volume: fc.option(fc.oneof(fc.integer({ min: 1, max: 3_000 }), fc.constantFrom(100, 400, 500, 1_000, 2_000)), {
    nil: null,
  }),
  move: fc.integer({ min: -20, max: 20 }),
  fill: fc.boolean(),
  limit: fc.option(fc.integer({ min: -60, max: 60 }), { nil: null }),
});

test('Hong Kong: no order the engine emits would be refused by the rules of its day: board lots per stock, spread table, whole-lot sells (fast-check)', () => {
  const seen = { orders: 0, refused: 0 };
  fc.assert(
    fc.property(
      fc.constantFrom('2025-08-01', '2025-08-04'),
      fc.array(hkCmd, { minLength: 1, maxLength: 30 }),
      (day, cmds) => {
        const { e, box } = scripted(
          {
            market: 'hk',
            initialCash: '50000000.00',
            interestedCodes: HK_CODES,
            sizer: { name: 'percent-equity', params: { percent: 5 } },
          },
          { id: 'p', market: hk, config: { staleSignalMs: 10_000_000 } },
        );
        const prices = [...HK_START];
        let ts = localTs(hk, day, '09:31');
        let n = 0;
        for (const c of cmds) {
          const code = HK_CODES[c.code]!;
          const rulesToday = instrumentRules(hk, code, day);
          const tick = tickAt(rulesToday.ticks, prices[c.code]!);
          prices[c.code] = Math.max(1_100, prices[c.code]! + c.move * tick);
          const last = prices[c.code]!;
          box.want = [
            {
              code,
              direction: c.dir,
              reason: 'p',
              ...(c.volume !== null ? { volume: c.volume } : {}),
              ...(c.limit !== null ? { orderType: 'LIMIT' as const, limitPrice: last + c.limit } : {}),
            },
          ];
          const before = e.view();
          const available = before.positions.find((p) => p.code === code)?.availableToSell ?? 0;
          ts += 1_000;
          const out = e.handle({
            type: 'price',
            eventId: `h${++n}`,
            ts,
            seq: n,
            market: 'hk',
            code,
            kind: 'tick',
            price: last,
            volume: 0,
          });
          for (const o of out.orders) {
            const v = checkOrder(instrumentRules(hk, o.code, tradingDayOf(hk, o.ts)), o, {
              sellableBalance: available,
            });
            if (v)
              throw new Error(
                `engine emitted an order the exchange refuses: ${JSON.stringify(o)} -> ${v.rule}: ${v.message}`,
              );
            seen.orders += 1;
            e.handle({
              type: 'order',
              eventId: `hf${++n}`,
              ts: ts + 1,
              seq: n,
              market: 'hk',
              portfolioId: 'p',
              clientOrderId: o.clientOrderId,
              ...(c.fill
                ? { event: 'FILLED' as const, fillId: `hf${n}`, fillVolume: o.volume, fillPrice: o.price }
                : { event: 'CANCELLED' as const }),
            });
          }
          for (const a of out.alerts) {
            if (a.code !== 'ORDER_REFUSED') continue;
            seen.refused += 1;
            expect(e.view().frozenCash).toBe(before.frozenCash);
          }
        }
      },
    ),
    { numRuns: RUNS },
  );
  expect(seen.orders).toBeGreaterThan(RUNS / 4);
  expect(seen.refused).toBeGreaterThan(0);
});
