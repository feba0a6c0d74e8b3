import type { PriceUpdate } from '@ginkgo/contracts';
import type { z } from 'zod';
import type { InstrumentRules, MarketRules } from './market-rules.js';
import type { OrderStatus } from './order-state-machine.js';
import type { AlertCode, JsonObject, Signal, SignalDraft } from './types.js';

/** Read-only view of a portfolio handed to strategies, risk managers and sizers. */
export interface PositionInfo {
  readonly code: string;
  readonly volume: number;
  /** Sellable now (T+1) minus what open sell orders already reserve. */
  readonly availableToSell: number;
  readonly sellable: number;
  readonly costMinor: number;
  readonly avgCostMinor: number;
  readonly suspended: boolean;
}

export interface OrderInfo {
  readonly clientOrderId: string;
  readonly code: string;
  readonly side: 'BUY' | 'SELL';
  readonly price: number;
  readonly volume: number;
  readonly filled: number;
  readonly status: OrderStatus;
}

export interface PortfolioReader {
  readonly portfolioId: string;
  readonly market: MarketRules;
  cash(): number;
  availableCash(): number;
  equity(): number;
  position(code: string): PositionInfo | undefined;
  positions(): PositionInfo[];
  lastPrice(code: string): number | undefined;
  prevClose(code: string): number | undefined;
  openOrders(code?: string): OrderInfo[];
  /** Local trading day (YYYY-MM-DD) of the latest market event. */
  tradingDay(): string | undefined;
  /** The exchange's rules for a code on the current trading day (board, limits, lots, status). */
  rules(code: string): InstrumentRules;
}

/** Per-component mutable state (plain JSON, part of the snapshot) and an alert sink. */
export interface ComponentContext {
  state: JsonObject;
  alert(code: AlertCode, message: string, subject?: string): void;
}

export interface OrderUpdate {
  clientOrderId: string;
  code: string;
  side: 'BUY' | 'SELL';
  status: OrderStatus;
  filled: number;
  volume: number;
  fillVolume?: number;
  fillPrice?: number;
}

export interface Strategy {
  onPrice(view: PortfolioReader, event: PriceUpdate, ctx: ComponentContext): SignalDraft[];
  /** Told about every order status change of the portfolio (fills, rejects, cancels). */
  onOrderUpdate?(view: PortfolioReader, update: OrderUpdate, ctx: ComponentContext): void;
}

/** The few-lines form of a strategy. */
export type StrategyFn = (view: PortfolioReader, event: PriceUpdate, ctx: ComponentContext) => SignalDraft[];

export interface OrderProposal {
  readonly code: string;
  readonly side: 'BUY' | 'SELL';
  readonly price: number;
  readonly volume: number;
  readonly signal: Signal;
}

export type RiskDecision =
  { action: 'pass' } | { action: 'block'; reason: string } | { action: 'cut'; volume: number; reason: string };

export interface RiskManager {
  /** Active risk: signals (stop loss, take profit, ...) that override the strategy's for this event. */
  onPrice?(view: PortfolioReader, event: PriceUpdate, ctx: ComponentContext): SignalDraft[];
  /** Passive risk: pass, block or cut each proposed order. */
  check?(view: PortfolioReader, proposal: OrderProposal, ctx: ComponentContext): RiskDecision;
  /** End of day (after the T+1 roll). */
  onSettlement?(view: PortfolioReader, ctx: ComponentContext): void;
}

export interface Sizer {
  /** Raw volume for an opening (LONG) signal; the engine rounds it down to the lot and checks cash. */
  size(view: PortfolioReader, signal: Signal, price: number, ctx: ComponentContext): number;
}

export interface ComponentDefinition<P, C> {
  /** Validates params; issues become `<field>.params.<name>: <message>` errors. */
  params: z.ZodType<P>;
  create(params: P): C;
  description?: string;
}
