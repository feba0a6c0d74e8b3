import type { OrderInfo, PortfolioReader, PositionInfo } from './component-api.js';
import { isRunning, type EngineCore } from './engine-core.js';
import { tradingDayOf } from './market-clock.js';
import { instrumentRules } from './market-rules.js';
import { divRound } from './money.js';
import type { OrderRecord } from './order-book.js';
import type { PositionState } from './position-book.js';

export interface PositionView extends PositionInfo {
  lastPrice: number;
  marketValue: number;
  unrealizedPnl: number;
}

export type OpenOrderView = Pick<
  OrderRecord,
  'clientOrderId' | 'code' | 'side' | 'orderType' | 'price' | 'volume' | 'filled' | 'status' | 'submittedTs'
>;

export interface PortfolioView {
  portfolioId: string;
  market: string;
  currency: string;
  cash: number;
  frozenCash: number;
  availableCash: number;
  equity: number;
  realizedPnl: number;
  unrealizedPnl: number;
  feesPaid: number;
  dividends: number;
  positions: PositionView[];
  openOrders: OpenOrderView[];
  lastEventTs: number | null;
  tradingDay: string | null;
  /** False after the close/settlement (until the next open) or when the spec says Stopped. */
  running: boolean;
  clockPaused: boolean;
  staleCodes: string[];
  suspendedCodes: string[];
}

/** The last price, else (no quote yet) the average cost, so that equity is defined before the first tick. */
export function markPrice(core: EngineCore, p: PositionState): number {
  const q = core.quotes.get(p.code);
  if (q) return q.price;
  return p.volume > 0 ? divRound(p.costMinor, p.volume, 'half-up') : 0;
}

/** Cash plus the market value of every position, minor units. */
export function equity(core: EngineCore): number {
  let mv = 0;
  for (const p of core.book.positions.values()) mv += p.volume * markPrice(core, p);
  return core.book.cash + mv;
}

/** What a component sees of a held position; undefined when nothing is held. */
function positionInfo(p: PositionState | undefined): PositionInfo | undefined {
  if (!p || p.volume === 0) return undefined;
  return {
    code: p.code,
    volume: p.volume,
    sellable: p.sellable,
    availableToSell: Math.max(0, p.sellable - p.frozenSell),
    avgCostMinor: divRound(p.costMinor, p.volume, 'half-up'),
    costMinor: p.costMinor,
    suspended: p.suspended,
  };
}

/** Held positions valued at the mark price. */
export function positionViews(core: EngineCore): PositionView[] {
  const out: PositionView[] = [];
  for (const p of core.book.positions.values()) {
    const info = positionInfo(p);
    if (!info) continue;
    const { suspended, ...held } = info;
    const lastPrice = markPrice(core, p);
    const marketValue = p.volume * lastPrice;
    out.push({ ...held, lastPrice, marketValue, unrealizedPnl: marketValue - p.costMinor, suspended });
  }
  return out;
}

export function portfolioView(core: EngineCore): PortfolioView {
  const { book, state } = core;
  const positions = positionViews(core);
  const mv = positions.reduce((a, p) => a + p.marketValue, 0);
  return {
    portfolioId: core.portfolioId,
    market: core.market.id,
    currency: core.market.currency,
    cash: book.cash,
    frozenCash: book.frozenCash,
    availableCash: book.availableCash,
    equity: book.cash + mv,
    realizedPnl: book.realizedPnl,
    unrealizedPnl: positions.reduce((a, p) => a + p.unrealizedPnl, 0),
    feesPaid: book.feesPaid,
    dividends: book.dividends,
    positions,
    openOrders: core.orders.open().map((o) => ({
      clientOrderId: o.clientOrderId,
      code: o.code,
      side: o.side,
      orderType: o.orderType,
      price: o.price,
      volume: o.volume,
      filled: o.filled,
      status: o.status,
      submittedTs: o.submittedTs,
    })),
    lastEventTs: state.lastEventTs,
    tradingDay: state.tradingDay,
    running: isRunning(core),
    clockPaused: state.clockPausedUntil !== null,
    staleCodes: [...state.staleCodes],
    suspendedCodes: [...state.suspendedCodes],
  };
}

/** The read-only portfolio view handed to components; it reads the live state on every call. */
export function makeReader(core: EngineCore): PortfolioReader {
  const { book, market, state } = core;
  return {
    portfolioId: core.portfolioId,
    market,
    cash: () => book.cash,
    availableCash: () => book.availableCash,
    equity: () => equity(core),
    position: (code) => positionInfo(book.position(code)),
    positions: () => [...book.positions.values()].map(positionInfo).filter((p): p is PositionInfo => p !== undefined),
    lastPrice: (code) => core.quotes.get(code)?.price,
    prevClose: (code) => core.quotes.get(code)?.prevClose,
    openOrders: (code) => {
      const out: OrderInfo[] = [];
      for (const o of core.orders.open()) {
        if (code !== undefined && o.code !== code) continue;
        out.push({
          clientOrderId: o.clientOrderId,
          code: o.code,
          side: o.side,
          price: o.price,
          volume: o.volume,
          filled: o.filled,
          status: o.status,
        });
      }
      return out;
    },
    tradingDay: () => state.tradingDay ?? undefined,
    rules: (code) => instrumentRules(market, code, state.tradingDay ?? tradingDayOf(market, core.alerts.ts)),
  };
}
