import {
  PortfolioSpec,
  type CorporateAction,
  type OrderEventInput,
  type PriceUpdate,
  type SessionEvent,
  OrderEvent,
  type PortfolioSpecInput,
} from '@ginkgo/contracts';
import {
  cnAShareMarket,
  createDefaultRegistry,
  localTs,
  PortfolioEngine,
  type EngineConfig,
  type MarketRules,
  type ComponentRegistry,
  type SignalDraft,
} from '../src/index.js';

/** 2025-03-03 is a Monday and a trading day. */
export const DAY = '2025-03-03';
export const at = (hhmm: string, seconds = 0, date = DAY) => localTs(cnAShareMarket, date, hhmm, seconds);
export const T0 = at('10:00');

export function spec(over: Partial<PortfolioSpecInput> = {}): PortfolioSpec {
  return PortfolioSpec.parse({
    initialCash: '1000000.00',
    strategy: { name: 'buy-and-hold', params: {} },
    interestedCodes: ['600000.SH'],
    ...over,
  });
}

export interface EngineOpts {
  config?: Partial<EngineConfig>;
  market?: MarketRules;
  registry?: ComponentRegistry;
  id?: string;
}

export function engine(over: Partial<PortfolioSpecInput> = {}, opts: EngineOpts = {}): PortfolioEngine {
  const o: Parameters<typeof PortfolioEngine.create>[0] = {
    portfolioId: opts.id ?? 'alpha',
    spec: spec(over),
    config: { minSignalIntervalMs: 0, ...opts.config },
  };
  if (opts.market) o.market = opts.market;
  if (opts.registry) o.registry = opts.registry;
  return PortfolioEngine.create(o);
}

let n = 0;
export function price(code: string, p: number, ts: number, extra: Partial<PriceUpdate> = {}): PriceUpdate {
  n += 1;
  return {
    type: 'price',
    eventId: `p-${code}-${ts}-${n}`,
    ts,
    seq: n,
    market: 'cn',
    code,
    kind: 'tick',
    price: p,
    volume: 0,
    ...extra,
  };
}

export function orderEv(
  e: Omit<OrderEventInput, 'type' | 'market' | 'portfolioId' | 'seq' | 'eventId'> & {
    eventId?: string;
    portfolioId?: string;
  },
): OrderEvent {
  n += 1;
  return OrderEvent.parse({ type: 'order', market: 'cn', portfolioId: 'alpha', seq: n, eventId: `o-${n}`, ...e });
}

export function fill(clientOrderId: string, volume: number, p: number, ts: number, full = false): OrderEvent {
  n += 1;
  return orderEv({
    event: full ? 'FILLED' : 'PARTIALLY_FILLED',
    clientOrderId,
    fillId: `f-${n}`,
    fillVolume: volume,
    fillPrice: p,
    ts,
  });
}

export function session(phase: SessionEvent['phase'], ts: number, tradingDay = DAY): SessionEvent {
  n += 1;
  return { type: 'session', eventId: `s-${phase}-${tradingDay}-${n}`, ts, seq: n, market: 'cn', phase, tradingDay };
}

export function corporateAction(
  code: string,
  ts: number,
  a: { cash?: number; num?: number; den?: number; eventId?: string } = {},
): CorporateAction {
  return {
    type: 'corporate-action',
    eventId: a.eventId ?? 'ca',
    ts,
    seq: 1,
    market: 'cn',
    code,
    cashPerShareMinor: a.cash ?? 0,
    splitNumerator: a.num ?? 1,
    splitDenominator: a.den ?? 1,
  };
}

export interface Scripted {
  e: PortfolioEngine;
  /** Signals the strategy emits on the next price (then it is emptied). */
  box: { want: SignalDraft[] };
}

/** An engine whose strategy emits whatever the test puts in `box.want`, once, on the next price. */
export function scripted(over: Partial<PortfolioSpecInput> = {}, opts: Omit<EngineOpts, 'registry'> = {}): Scripted {
  const registry = createDefaultRegistry();
  const box: { want: SignalDraft[] } = { want: [] };
  registry.registerStrategy('script', () => {
    const w = box.want;
    box.want = [];
    return w;
  });
  return { e: engine({ strategy: { name: 'script', params: {} }, ...over }, { ...opts, registry }), box };
}

/** Buys `volume` of `code` at 10.00 on DAY (filled at once), applies a `num`-for-`den` split or bonus, and settles the day. */
export function holdThroughSplit({ e, box }: Scripted, code: string, volume: number, num: number, den: number): void {
  box.want = [{ code, direction: 'LONG', reason: 'in', volume }];
  const id = e.handle(price(code, 1000, T0)).orders[0]!.clientOrderId;
  e.handle(fill(id, volume, 1000, T0 + 1, true));
  e.handle(corporateAction(code, T0 + 2, { num, den }));
  e.handle(session('settlement', at('15:30')));
}
