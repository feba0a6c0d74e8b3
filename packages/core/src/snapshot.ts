import type { DailyBuysState } from './daily-buys.js';
import type { EngineConfig } from './engine-config.js';
import type { OrderRecord } from './order-book.js';
import type { BookState } from './position-book.js';
import type { EquityPoint } from './settlement.js';
import type { JsonObject } from './types.js';

export const SNAPSHOT_VERSION = 1;

export interface QuoteState {
  price: number;
  ts: number;
  prevClose?: number;
}

export interface ComponentSnapshot {
  /** name + params; state is restored only into the same configuration. */
  key: string;
  state: JsonObject;
}

/**
 * The whole state of one portfolio as plain JSON. Versioned: a reader refuses versions it does not know
 * instead of guessing. Maps are stored as entry arrays so that iteration order survives a round trip.
 */
export interface PortfolioSnapshot {
  version: typeof SNAPSHOT_VERSION;
  portfolioId: string;
  market: string;
  config: EngineConfig;
  book: BookState;
  orders: OrderRecord[];
  orderSeq: number;
  seenEventIds: string[];
  quotes: [string, QuoteState][];
  highWater: number | null;
  clockPausedUntil: number | null;
  firstTs: number | null;
  lastEventTs: number | null;
  lastFreshnessCheck: number | null;
  staleCodes: string[];
  suspendedCodes: string[];
  lastSignalTs: [string, number][];
  closedDay: string | null;
  tradingDay: string | null;
  settledDays: string[];
  dayStart: { equity: number; realizedPnl: number; feesPaid: number };
  equityCurve: EquityPoint[];
  /** Shares bought per code on the current trading day (risk-warning daily cap); absent in older snapshots. */
  dailyBuys?: DailyBuysState;
  components: { strategy: ComponentSnapshot; risks: ComponentSnapshot[]; sizer: ComponentSnapshot };
}
