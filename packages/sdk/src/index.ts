/**
 * @ginkgo/sdk: what a strategy author imports. Component types (strategies, risk managers, sizers with zod
 * params and `create(params)`), the portfolio view, signal and order intents, exact incremental indicators
 * and the `runTape` test harness. State that must survive a restart or a move lives in `ctx.state` as plain
 * JSON; nothing else is kept (the harness checks it).
 */
export { z } from 'zod';
export type {
  Strategy,
  StrategyFn,
  RiskManager,
  Sizer,
  ComponentDefinition,
  ComponentContext,
  PortfolioReader,
  PositionInfo,
  OrderInfo,
  OrderUpdate,
  OrderProposal,
  RiskDecision,
  SignalDraft,
  Signal,
  Direction,
  OrderIntent,
  Json,
  JsonObject,
  ComponentPackage,
  PackagedDefinition,
  StrategyDefinition,
  RiskDefinition,
  SizerDefinition,
  MarketRules,
  SettlementRecord,
  PortfolioView,
} from '@ginkgo/core';
export {
  paramsObject,
  positiveInt,
  ratio,
  moneyAmount,
  cnAShareMarket,
  limitPrices,
  tradingDayOf,
  localTs,
} from '@ginkgo/core';
export type { PriceUpdate, MarketDataMessage, OrderEvent, SubmitOrder } from '@ginkgo/contracts';
export * from './indicators.js';
export * from './define.js';
export * from './tape.js';
export * from './harness.js';
export { runBacktest, type BacktestOptions, type BacktestPortfolio, type PortfolioRun, type Fill } from './backtest.js';
