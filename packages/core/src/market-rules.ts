import { feeAt, mulDiv, PPM } from './money.js';

/**
 * A market described as data, so that HK, US or futures are added by writing another object like
 * `cnAShareMarket`, never by touching the engine. All rates are integer ppm, all money integer minor units.
 */
export interface TradingSession {
  /** Minutes after local midnight, inclusive. */
  readonly startMinute: number;
  /** Minutes after local midnight, inclusive (a tick stamped exactly at the close still counts). */
  readonly endMinute: number;
}

export interface FeeSchedule {
  /** Broker commission on both sides, ppm of the traded amount. */
  readonly commissionPpm: number;
  /** Minimum commission per order, minor units (charged once per order, not per fill). */
  readonly commissionMinMinor: number;
  readonly stampDutyBuyPpm: number;
  readonly stampDutySellPpm: number;
  /** Exchange transfer fee, ppm of the traded amount, both sides. */
  readonly transferFeePpm: number;
}

export interface PriceLimitRule {
  /** Code prefixes this rule applies to (e.g. "300", "688"); empty = every code. First match wins. */
  readonly prefixes: readonly string[];
  /** Maximum move from the previous close, ppm (100000 = 10%). null = no limit. */
  readonly limitPpm: number | null;
  readonly board: string;
}

export interface MarketRules {
  readonly id: string;
  readonly currency: string;
  /** Offset of the exchange's wall clock from UTC; fixed because we never consult a tz database. */
  readonly utcOffsetMinutes: number;
  readonly sessions: readonly TradingSession[];
  /** Days of week without trading, 0 = Sunday. */
  readonly weekendDays: readonly number[];
  /** Exchange holidays as local YYYY-MM-DD. */
  readonly holidays: readonly string[];
  /** Buy volumes must be multiples of this; a sell may include the odd remainder only when closing. */
  readonly lotSize: number;
  /** 1 = T+1 (bought today sellable after settlement), 0 = T+0. */
  readonly settlementLagDays: number;
  readonly fees: FeeSchedule;
  /** Price limit rules by board, checked in order; ST codes use `stLimitPpm`. */
  readonly priceLimits: readonly PriceLimitRule[];
  readonly stLimitPpm: number | null;
  /** Codes currently flagged ST (special treatment) with the narrower limit. */
  readonly stCodes: readonly string[];
  /** Smallest price step, minor units; unset = 1 (0.01 yuan for A shares). */
  readonly tickSizeMinor?: number;
}

export interface FeeBreakdown {
  commission: number;
  stampDuty: number;
  transferFee: number;
  total: number;
}

/**
 * Fees for an order whose filled amount so far is `amountMinor`. Each fee is rounded half-up to the fen.
 * The engine charges the difference between successive cumulative values, so a minimum commission is
 * charged once per order and rounding never accumulates across fills.
 */
export function orderFees(market: MarketRules, side: 'BUY' | 'SELL', amountMinor: number): FeeBreakdown {
  if (amountMinor <= 0) return { commission: 0, stampDuty: 0, transferFee: 0, total: 0 };
  const f = market.fees;
  const commission = Math.max(f.commissionMinMinor, feeAt(amountMinor, f.commissionPpm));
  const stampDuty = feeAt(amountMinor, side === 'BUY' ? f.stampDutyBuyPpm : f.stampDutySellPpm);
  const transferFee = feeAt(amountMinor, f.transferFeePpm);
  return { commission, stampDuty, transferFee, total: commission + stampDuty + transferFee };
}

export function orderFeeTotal(market: MarketRules, side: 'BUY' | 'SELL', amountMinor: number): number {
  return orderFees(market, side, amountMinor).total;
}

/** The price-limit ratio for a code (ppm) and the board it belongs to. */
export function priceLimitFor(market: MarketRules, code: string): { limitPpm: number | null; board: string } {
  if (market.stCodes.includes(code)) return { limitPpm: market.stLimitPpm, board: 'st' };
  for (const rule of market.priceLimits) {
    if (rule.prefixes.length === 0 || rule.prefixes.some((p) => code.startsWith(p))) {
      return { limitPpm: rule.limitPpm, board: rule.board };
    }
  }
  return { limitPpm: null, board: 'none' };
}

/** Limit-up and limit-down prices from a base (previous close), rounded half-up to the fen as exchanges do. */
export function limitPrices(market: MarketRules, code: string, baseMinor: number): { up: number; down: number } | null {
  const { limitPpm } = priceLimitFor(market, code);
  if (limitPpm === null) return null;
  return {
    up: mulDiv(baseMinor, PPM + limitPpm, PPM, 'half-up'),
    down: Math.max(1, mulDiv(baseMinor, PPM - limitPpm, PPM, 'half-up')),
  };
}

/** Largest volume <= `volume` that is a whole number of lots. */
export function roundDownToLot(market: MarketRules, volume: number): number {
  if (volume <= 0) return 0;
  return volume - (volume % market.lotSize);
}

/** Copy of a market with trading sessions covering the whole day and no calendar (demos, tests). */
export function withAlwaysOpenSessions(market: MarketRules): MarketRules {
  return { ...market, sessions: [{ startMinute: 0, endMinute: 24 * 60 }], weekendDays: [], holidays: [] };
}

/** Copy of a market with extra ST codes. */
export function withStCodes(market: MarketRules, codes: readonly string[]): MarketRules {
  return { ...market, stCodes: [...market.stCodes, ...codes] };
}
