import type { ReferenceDataFile } from '@ginkgo/contracts';

/**
 * A market described as data, so that another market is added by writing another object like
 * `cnAShareMarket`, never by touching the engine. Every rule that has changed (or may change) carries the
 * date it took effect and its source (exchange notice and date); lookups are by the event's trading day, so a
 * backtest of an old day and live trading today are each judged by the rules of their own day.
 * Money is integer minor units; rates are exact decimal strings or integer ppm.
 */
export interface TradingSession {
  /** Minutes after local midnight, inclusive. */
  readonly startMinute: number;
  /** Minutes after local midnight, inclusive (a tick stamped exactly at the close still counts). */
  readonly endMinute: number;
}

/** The usual sessions of a market from a day on (until the next change), with the source of the change. */
export interface SessionChange {
  readonly from: string;
  readonly source: string;
  readonly sessions: readonly TradingSession[];
}

/** T+n from a day on: 1 = shares bought are sellable from the next trading day, 0 = at once. */
export interface SettlementChange {
  readonly from: string;
  readonly source: string;
  readonly lagDays: number;
}

/**
 * An exchange or government fee: a rate of the order's cumulative amount, rounded to a multiple of
 * `roundToMinor` minor units (half-up, or up), then held within [min, max]. In force from `from`
 * (inclusive) until `until` (exclusive).
 */
export interface FeeComponent {
  readonly name: string;
  readonly side: 'both' | 'buy' | 'sell';
  /** Fraction of the amount as an exact decimal string, e.g. "0.0005" = 0.05%. */
  readonly rate: string;
  readonly rounding: 'half-up' | 'up';
  /** 1 = to the fen/cent; 100 = to the whole yuan/dollar. */
  readonly roundToMinor: number;
  readonly minMinor?: number;
  readonly maxMinor?: number;
  readonly from: string;
  readonly until?: string;
  readonly source: string;
}

/** The broker's commission (per Portfolio spec): rate of the order's cumulative amount, minimum per order. */
export interface Commission {
  readonly rate: string;
  readonly minMinor: number;
}

/**
 * Order volume rule: a buy is `min` shares or more in steps of `step` (A main boards 100/100, STAR 200/1,
 * Beijing 100/1). On a sell the odd remainder of the balance (what cannot go as whole lots) must go in one
 * order, alone or with whole lots, when `oddRemainderSell`; otherwise (Hong Kong) sells are whole lots too.
 */
export interface LotRule {
  readonly min: number;
  readonly step: number;
  readonly oddRemainderSell: boolean;
}

/** Tick (minimum price step) for prices up to and including `upToMinor` (null = no upper bound). */
export interface TickBand {
  readonly upToMinor: number | null;
  readonly tickMinor: number;
}

export interface BoardRules {
  /** Daily limit from the previous close, ppm (100000 = 10%); null = no daily limit. */
  readonly priceLimitPpm: number | null;
  /** The limit for risk-warning (ST, *ST) stocks of this board. */
  readonly stPriceLimitPpm: number | null;
  /** Lots of the board; null = per instrument (board lots from the reference data, e.g. Hong Kong). */
  readonly lot: LotRule | null;
  /** Whether the odd remainder of a holding may be sold on the board (used with per-instrument lots). */
  readonly oddRemainderSell: boolean;
  readonly ticks: readonly TickBand[];
  /** Largest volume of one limit order; null = none. */
  readonly maxOrderVolume: number | null;
  /** Most shares of one risk-warning stock an investor may buy per day (orders placed and filled); null = none. */
  readonly stDailyBuyCap: number | null;
  /** Trading days without a price limit from the listing day, for listings under the rules of that day. */
  readonly ipoNoLimitDays: number;
}

/** A dated change of some of a board's rules. The first change of a board sets all of them. */
export interface RuleChange {
  readonly from: string;
  readonly source: string;
  readonly set: Partial<BoardRules>;
}

export interface BoardDefinition {
  readonly id: string;
  readonly name: string;
  /** Code suffix (exchange) this board belongs to, e.g. "SH". */
  readonly suffix: string;
  /** Code prefixes of the board; empty = every code of the suffix. Boards are matched in order. */
  readonly prefixes: readonly string[];
  readonly changes: readonly RuleChange[];
}

export interface MarketRules {
  readonly id: string;
  readonly currency: string;
  /** Offset of the exchange's wall clock from UTC; fixed because we never consult a tz database. */
  readonly utcOffsetMinutes: number;
  /** The usual sessions in force now: the last of `sessionChanges`. */
  readonly sessions: readonly TradingSession[];
  /** The usual sessions by the day they took effect, in date order (days before the first: the first's). */
  readonly sessionChanges?: readonly SessionChange[];
  /** Days with other sessions than usual (e.g. Hong Kong half days), local YYYY-MM-DD. */
  readonly specialSessions?: Readonly<Record<string, readonly TradingSession[]>>;
  /** Days of week without trading, 0 = Sunday. */
  readonly weekendDays: readonly number[];
  /** Exchange holidays (weekdays without trading) as local YYYY-MM-DD. */
  readonly holidays: readonly string[];
  /** T+n in force now (the last of `settlementChanges`): 1 = T+1 (bought today sellable after settlement), 0 = at once. */
  readonly settlementLagDays: number;
  /** T+n by the day it took effect, in date order. */
  readonly settlementChanges?: readonly SettlementChange[];
  readonly boards: readonly BoardDefinition[];
  /** Exchange and government fees, dated. */
  readonly fees: readonly FeeComponent[];
  /** Typical retail commission, used when a Portfolio spec names none. */
  readonly defaultCommission: Commission;
  /** Instrument facts (ST, listing, suspension, board lots), dated; replaced by the processes' file. */
  readonly reference: ReferenceDataFile;
}

export * from './markets/fees.js';
export * from './markets/instrument-rules.js';
export * from './markets/order-rules.js';
export * from './markets/market-registry.js';
