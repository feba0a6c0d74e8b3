import { PortfolioSpec, type OrderEventInput, type PriceUpdate, type SessionEvent, OrderEvent, type PortfolioSpecInput } from '@ginkgo/contracts';
import { cnAShareMarket, localTs, PortfolioEngine, type EngineConfig, type MarketRules, type ComponentRegistry } from '../src/index.js';

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

export function engine(over: Partial<PortfolioSpecInput> = {}, opts: { config?: Partial<EngineConfig>; market?: MarketRules; registry?: ComponentRegistry; id?: string } = {}): PortfolioEngine {
  const o: Parameters<typeof PortfolioEngine.create>[0] = { portfolioId: opts.id ?? 'alpha', spec: spec(over), config: { minSignalIntervalMs: 0, ...opts.config } };
  if (opts.market) o.market = opts.market;
  if (opts.registry) o.registry = opts.registry;
  return PortfolioEngine.create(o);
}

let n = 0;
export function price(code: string, p: number, ts: number, extra: Partial<PriceUpdate> = {}): PriceUpdate {
  n += 1;
  return { type: 'price', eventId: `p-${code}-${ts}-${n}`, ts, seq: n, market: 'cn', code, kind: 'tick', price: p, volume: 0, ...extra };
}

export function orderEv(e: Omit<OrderEventInput, 'type' | 'market' | 'portfolioId' | 'seq' | 'eventId'> & { eventId?: string; portfolioId?: string }): OrderEvent {
  n += 1;
  return OrderEvent.parse({ type: 'order', market: 'cn', portfolioId: 'alpha', seq: n, eventId: `o-${n}`, ...e });
}

export function fill(clientOrderId: string, volume: number, p: number, ts: number, full = false): OrderEvent {
  n += 1;
  return orderEv({ event: full ? 'FILLED' : 'PARTIALLY_FILLED', clientOrderId, fillId: `f-${n}`, fillVolume: volume, fillPrice: p, ts });
}

export function session(phase: SessionEvent['phase'], ts: number, tradingDay = DAY): SessionEvent {
  n += 1;
  return { type: 'session', eventId: `s-${phase}-${tradingDay}-${n}`, ts, seq: n, market: 'cn', phase, tradingDay };
}
