import fc from 'fast-check';
import type { OrderEvent } from '@ginkgo/contracts';
import {
  createDefaultRegistry,
  PortfolioEngine,
  type EngineEvent,
  type HandleResult,
  type OpenOrderView,
  type PortfolioSnapshot,
} from '../src/index.js';
import { at, spec } from './helpers.js';

const CODES = ['600000.SH', '300750.SZ', '000001.SZ'];
const DAYS = ['2025-03-03', '2025-03-04', '2025-03-05', '2025-03-06', '2025-03-07', '2025-03-10', '2025-03-11'];
const RUNS = Number(process.env.PROP_RUNS ?? 1000);

type Cmd =
  | { k: 'price'; code: number; moveBp: number; dt: number }
  | { k: 'jump'; code: number; up: boolean }
  | { k: 'fill'; pick: number; lots: number; better: number; all: boolean }
  | { k: 'status'; pick: number; event: 'ACCEPTED' | 'REJECTED' | 'CANCELLED' | 'EXPIRED' | 'SUBMIT_FAILED' }
  | { k: 'cancel'; pick: number; force: boolean }
  | { k: 'settle' }
  | { k: 'dup'; back: number }
  | { k: 'action'; code: number; cash: number; num: number; den: number }
  | { k: 'suspend'; code: number; on: boolean };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      k: fc.constant('price' as const),
      code: fc.nat(2),
      moveBp: fc.integer({ min: -400, max: 400 }),
      dt: fc.nat(20_000),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('jump' as const), code: fc.nat(2), up: fc.boolean() }) },
  {
    weight: 10,
    arbitrary: fc.record({
      k: fc.constant('fill' as const),
      pick: fc.nat(),
      lots: fc.integer({ min: 1, max: 20 }),
      better: fc.nat(3),
      all: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      k: fc.constant('status' as const),
      pick: fc.nat(),
      event: fc.constantFrom('ACCEPTED', 'REJECTED', 'CANCELLED', 'EXPIRED', 'SUBMIT_FAILED'),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('cancel' as const), pick: fc.nat(), force: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('settle' as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('dup' as const), back: fc.nat(10) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('action' as const),
      code: fc.nat(2),
      cash: fc.nat(30),
      num: fc.integer({ min: 1, max: 3 }),
      den: fc.integer({ min: 1, max: 2 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('suspend' as const), code: fc.nat(2), on: fc.boolean() }) },
);

type Step = { t: 'event'; event: EngineEvent } | { t: 'cancel'; id: string; ts: number; force: boolean };

function makeEngine(codes: string[] = CODES, dedupeWindow?: number): PortfolioEngine {
  return PortfolioEngine.create({
    portfolioId: 'prop',
    registry: makeEngineRegistry(),
    spec: spec({
      initialCash: '200000.00',
      interestedCodes: codes,
      strategy: { name: 'parity', params: {} },
      sizer: { name: 'percent-equity', params: { percent: 30 } },
      riskManagers: [
        { name: 'position-ratio', params: { maxRatio: 0.6 } },
        { name: 'loss-limit', params: { lossRatio: 0.05 } },
        { name: 'limit-move-guard', params: { closePositions: true } },
      ],
    }),
    config: dedupeWindow === undefined ? { minSignalIntervalMs: 5_000 } : { minSignalIntervalMs: 5_000, dedupeWindow },
  });
}

function run(e: PortfolioEngine, step: Step): HandleResult | ReturnType<PortfolioEngine['requestCancel']> {
  return step.t === 'event' ? e.handle(step.event) : e.requestCancel(step.id, step.ts, step.force);
}

/** Turns abstract commands into a concrete tape by resolving "pick an open order" against a live engine. */
function concretise(cmds: Cmd[], check?: (e: PortfolioEngine) => void): Step[] {
  const e = makeEngine();
  const steps: Step[] = [];
  const prices = CODES.map(() => 1000);
  let day = 0;
  let ts = at('09:30', 0, DAYS[0]);
  let seq = 0;
  const id = () => `e${++seq}`;
  const push = (s: Step) => {
    steps.push(s);
    run(e, s);
    check?.(e);
  };
  /** The gateway's next event for an order; a fill is numbered by the event's own sequence number. */
  const orderStep = (event: OrderEvent['event'], clientOrderId: string, fill?: { vol: number; px: number }): Step => {
    const eventId = id();
    const ev: OrderEvent = { type: 'order', event, eventId, ts, seq, market: 'cn', portfolioId: 'prop', clientOrderId };
    return { t: 'event', event: fill ? { ...ev, fillId: `f${seq}`, fillVolume: fill.vol, fillPrice: fill.px } : ev };
  };
  for (const c of cmds) {
    const open = e.view().openOrders;
    const order = open.length ? open[('pick' in c ? c.pick : 0) % open.length] : undefined;
    switch (c.k) {
      case 'price':
      case 'jump': {
        ts += c.k === 'price' ? c.dt : 1000;
        const close = at('15:00', 0, DAYS[day]);
        if (ts > close) ts = close;
        const prev = prices[c.code]!;
        const next =
          c.k === 'price'
            ? Math.max(100, prev + Math.trunc((prev * c.moveBp) / 10_000))
            : Math.max(100, Math.trunc(prev * (c.up ? 1.25 : 0.75)));
        if (c.k === 'price') prices[c.code] = next;
        push({
          t: 'event',
          event: {
            type: 'price',
            eventId: id(),
            ts,
            seq,
            market: 'cn',
            code: CODES[c.code]!,
            kind: 'tick',
            price: next,
            volume: 0,
          },
        });
        break;
      }
      case 'fill': {
        if (!order) break;
        const remaining = order.volume - order.filled;
        const vol = c.all ? remaining : Math.min(remaining, c.lots * 100);
        const px = order.side === 'BUY' ? Math.max(1, order.price - c.better) : order.price + c.better;
        push(orderStep(vol === remaining ? 'FILLED' : 'PARTIALLY_FILLED', order.clientOrderId, { vol, px }));
        break;
      }
      case 'status':
        if (order) push(orderStep(c.event, order.clientOrderId));
        break;
      case 'cancel':
        if (order) push({ t: 'cancel', id: order.clientOrderId, ts, force: c.force });
        break;
      case 'settle':
        push({
          t: 'event',
          event: {
            type: 'session',
            eventId: id(),
            ts: at('15:30', 0, DAYS[day]),
            seq,
            market: 'cn',
            phase: 'settlement',
            tradingDay: DAYS[day]!,
          },
        });
        if (day < DAYS.length - 1) day += 1;
        ts = at('09:30', 0, DAYS[day]);
        break;
      case 'dup': {
        const events = steps.filter((s): s is Extract<Step, { t: 'event' }> => s.t === 'event');
        const old = events[events.length - 1 - (c.back % Math.max(1, events.length))];
        if (old) push(old);
        break;
      }
      case 'action':
        push({
          t: 'event',
          event: {
            type: 'corporate-action',
            eventId: id(),
            ts,
            seq,
            market: 'cn',
            code: CODES[c.code]!,
            cashPerShareMinor: c.cash,
            splitNumerator: c.num,
            splitDenominator: c.den,
          },
        });
        break;
      case 'suspend':
        push({
          t: 'event',
          event: { type: 'suspension', eventId: id(), ts, seq, market: 'cn', code: CODES[c.code]!, suspended: c.on },
        });
        break;
    }
  }
  return steps;
}

function checkInvariants(e: PortfolioEngine): void {
  const v = e.view();
  const snap = e.snapshot();
  if (v.cash < 0) throw new Error(`cash negative: ${v.cash}`);
  if (v.frozenCash < 0 || v.availableCash < 0) throw new Error(`frozen ${v.frozenCash} / available ${v.availableCash}`);
  for (const p of v.positions) {
    if (p.volume < 0 || p.sellable < 0 || p.sellable > p.volume || p.availableToSell < 0)
      throw new Error(`bad position ${JSON.stringify(p)}`);
  }
  for (const o of snap.orders)
    if (o.filled > o.volume || o.filled < 0) throw new Error(`overfilled ${JSON.stringify(o)}`);
  const mv = v.positions.reduce((a, p) => a + p.marketValue, 0);
  if (v.equity !== v.cash + mv) throw new Error(`equity ${v.equity} != cash ${v.cash} + mv ${mv}`);
  if (v.equity !== snap.book.initialCash + v.realizedPnl + v.unrealizedPnl) {
    throw new Error(`equity ${v.equity} != initial + realised ${v.realizedPnl} + unrealised ${v.unrealizedPnl}`);
  }
  const frozen = snap.orders.reduce((a, o) => a + o.frozenCash, 0);
  if (frozen !== v.frozenCash) throw new Error(`frozen cash ${v.frozenCash} != sum over orders ${frozen}`);
  if (v.feesPaid < 0) throw new Error('fees negative');
}

const tapes = fc.array(cmd, { minLength: 10, maxLength: 60, size: 'max' });

test('the generated tapes exercise orders, fills, cancels, rejects and settlements', () => {
  const counts = { orders: 0, fills: 0, sells: 0, dropped: 0, settlements: 0 };
  for (const cmds of fc.sample(tapes, { numRuns: 200, seed: 42 })) {
    const e = makeEngine();
    for (const s of concretise(cmds)) {
      const r = run(e, s);
      if ('orders' in r) {
        counts.orders += r.orders.length;
        counts.sells += r.orders.filter((o) => o.side === 'SELL').length;
        counts.dropped += r.dropped.length;
        if (r.settlement) counts.settlements += 1;
      }
      if (s.t === 'event' && s.event.type === 'order' && s.event.fillVolume) counts.fills += 1;
    }
  }
  expect(counts.orders).toBeGreaterThan(100);
  expect(counts.fills).toBeGreaterThan(100);
  expect(counts.sells).toBeGreaterThan(10);
  expect(counts.settlements).toBeGreaterThan(10);
});

test('property: cash never negative, positions never negative, fills never exceed volume, equity identity holds at every step', () => {
  fc.assert(
    fc.property(tapes, (cmds) => {
      concretise(cmds, checkInvariants);
    }),
    { numRuns: RUNS },
  );
});

test('property: snapshot -> restore -> continue equals an uninterrupted run', () => {
  fc.assert(
    fc.property(tapes, fc.nat(), (cmds, cut) => {
      const steps = concretise(cmds);
      const k = steps.length === 0 ? 0 : cut % (steps.length + 1);
      const a = makeEngine();
      const outA = steps.map((s) => run(a, s));
      const b = makeEngine();
      steps.slice(0, k).forEach((s) => run(b, s));
      // through JSON, as node-runtime persists it
      const snap = JSON.parse(JSON.stringify(b.snapshot())) as PortfolioSnapshot;
      const restored = PortfolioEngine.restore({
        snapshot: snap,
        spec: makeEngineSpec(),
        registry: makeEngineRegistry(),
      });
      const outB = steps.slice(k).map((s) => run(restored, s));
      expect(JSON.stringify(outB)).toBe(JSON.stringify(outA.slice(k)));
      expect(JSON.stringify(restored.snapshot())).toBe(JSON.stringify(a.snapshot()));
    }),
    { numRuns: RUNS },
  );
});

test('property: the same tape twice gives byte-identical output', () => {
  fc.assert(
    fc.property(tapes, (cmds) => {
      const steps = concretise(cmds);
      const once = () => {
        const e = makeEngine();
        return JSON.stringify({ out: steps.map((s) => run(e, s)), view: e.view(), snap: e.snapshot() });
      };
      expect(once()).toBe(once());
    }),
    { numRuns: RUNS },
  );
});

// The engine keeps per-tick answers shared by all portfolios of the process (session, limits, trading day,
// event-id serials): portfolios taking a tape in turn must each give the bytes they give alone.
test('property: portfolios sharing a tape in turn give byte-identical output to each alone', () => {
  const kinds = [() => makeEngine(), () => makeEngine(CODES.slice(0, 2)), () => makeEngine([CODES[2]!, CODES[0]!], 4)];
  fc.assert(
    fc.property(tapes, (cmds) => {
      const steps = concretise(cmds);
      const result = (e: PortfolioEngine, out: unknown[]) =>
        JSON.stringify({ out, view: e.view(), snap: e.snapshot() });
      const alone = kinds.map((make) => {
        const e = make();
        return result(
          e,
          steps.map((s) => run(e, s)),
        );
      });
      const engines = kinds.map((make) => make());
      const outs: unknown[][] = engines.map(() => []);
      for (const s of steps) engines.forEach((e, i) => outs[i]!.push(run(e, s)));
      expect(engines.map((e, i) => result(e, outs[i]!))).toEqual(alone);
    }),
    { numRuns: Math.max(1, Math.round(RUNS / 5)) },
  );
});

// The restore needs the same spec and a registry holding the user strategy.
function makeEngineSpec() {
  return (makeEngine() as unknown as { spec: ReturnType<typeof spec> }).spec;
}
function makeEngineRegistry() {
  const registry = createDefaultRegistry();
  // Trades on price parity so that buys and sells both happen often.
  registry.registerStrategy('parity', (_v, e) =>
    e.price % 3 === 0
      ? [{ code: e.code, direction: 'LONG', reason: 'p0' }]
      : e.price % 3 === 1
        ? [{ code: e.code, direction: 'SHORT', reason: 'p1' }]
        : [],
  );
  return registry;
}

test('regression: a sell fill larger than the holding (after a reverse split) is refused, never a negative position', () => {
  const e = makeEngine();
  const t = at('10:00', 0, DAYS[0]);
  const tick = (eventId: string, ts: number, seq: number, price: number): EngineEvent => ({
    type: 'price',
    eventId,
    ts,
    seq,
    market: 'cn',
    code: CODES[0]!,
    kind: 'tick',
    price,
    volume: 0,
  });
  /** The whole of `order` filled at `price`. */
  const filled = (
    eventId: string,
    ts: number,
    seq: number,
    order: OpenOrderView,
    fillId: string,
    price: number,
  ): OrderEvent => ({
    type: 'order',
    event: 'FILLED',
    eventId,
    ts,
    seq,
    market: 'cn',
    portfolioId: 'prop',
    clientOrderId: order.clientOrderId,
    fillId,
    fillVolume: order.volume,
    fillPrice: price,
  });
  e.handle(tick('a', t, 1, 999));
  const buy = e.view().openOrders[0]!;
  e.handle(filled('b', t, 2, buy, 'f1', 999));
  e.handle({
    type: 'session',
    eventId: 'c',
    ts: at('15:30', 0, DAYS[0]),
    seq: 3,
    market: 'cn',
    phase: 'settlement',
    tradingDay: DAYS[0]!,
  });
  e.handle(tick('d', at('10:00', 0, DAYS[1]), 4, 1000));
  const sell = e.view().openOrders.find((o) => o.side === 'SELL')!;
  expect(sell.volume).toBe(buy.volume);
  e.handle({
    type: 'corporate-action',
    eventId: 'ca',
    ts: at('10:01', 0, DAYS[1]),
    seq: 5,
    market: 'cn',
    code: CODES[0]!,
    cashPerShareMinor: 0,
    splitNumerator: 1,
    splitDenominator: 2,
  });
  const out = e.handle(filled('g', at('10:02', 0, DAYS[1]), 6, sell, 'f2', 1000));
  expect(out.dropped[0]?.reason).toMatch(/oversell refused/);
  checkInvariants(e);
});
