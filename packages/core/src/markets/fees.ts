import type { CommissionSchedule } from '@ginkgo/contracts';
import { decimalToMinor } from '@ginkgo/contracts';
import { mulDiv } from '../money.js';
import type { Commission, FeeComponent, MarketRules } from '../market-rules.js';

/** A day later than any rule's date: "the rules in force now" for tools that have no event day. */
export const LATEST_DAY = '9999-12-31';

interface Fraction {
  num: number;
  den: number;
}

const fractions = new Map<string, Fraction>();

/** An exact fraction from a decimal string ("0.0000565" -> 565 / 10^7); no float ever touches the rate. */
export function rateFraction(rate: string): Fraction {
  let f = fractions.get(rate);
  if (!f) {
    const m = /^(\d+)(?:\.(\d{1,12}))?$/.exec(rate);
    if (!m) throw new RangeError(`rate: "${rate}" must be a decimal fraction like "0.00025"`);
    const decimals = m[2] ?? '';
    f = { num: Number(`${m[1]}${decimals}`), den: 10 ** decimals.length };
    fractions.set(rate, f);
  }
  return f;
}

/**
 * One fee on an amount: amount x rate, rounded to a multiple of `roundToMinor` (half-up: ties away from
 * zero; up: any remainder rounds up), then held within [min, max]. Zero amounts cost nothing.
 */
export function feeOn(
  amountMinor: number,
  rate: string,
  rounding: 'half-up' | 'up',
  roundToMinor = 1,
  minMinor?: number,
  maxMinor?: number,
): number {
  if (amountMinor <= 0) return 0;
  const { num, den } = rateFraction(rate);
  if (num === 0) return 0;
  let fee = mulDiv(amountMinor, num, den * roundToMinor, rounding === 'up' ? 'ceil' : 'half-up') * roundToMinor;
  if (minMinor !== undefined) fee = Math.max(minMinor, fee);
  if (maxMinor !== undefined) fee = Math.min(maxMinor, fee);
  return fee;
}

/** The exchange/government fees in force on a day (local YYYY-MM-DD). */
export function feesInForce(market: MarketRules, day: string): FeeComponent[] {
  return market.fees.filter((f) => f.from <= day && (f.until === undefined || day < f.until));
}

/** The broker's commission from a Portfolio spec, or the market's default. */
export function commissionOf(market: MarketRules, spec?: CommissionSchedule): Commission {
  if (!spec) return market.defaultCommission;
  rateFraction(spec.rate);
  return { rate: spec.rate, minMinor: decimalToMinor(spec.minimum) };
}

export interface FeeItem {
  name: string;
  amount: number;
}

export interface FeeBreakdown {
  commission: number;
  /** Exchange and government fees by name (stamp duty, transfer fee, levies, ...). */
  items: FeeItem[];
  total: number;
}

export interface FeeOptions {
  /** Trading day of the order (the rules of that day apply); the latest rules when absent. */
  day?: string;
  /** The broker's commission; the market default when absent. */
  commission?: Commission;
}

/**
 * Fees for an order whose filled amount so far is `amountMinor`. Every fee, commission included, is computed
 * on the order's cumulative amount and rounded on its own (A shares: half-up to the fen). The engine charges
 * the difference between successive cumulative values, so a minimum is charged once per order and rounding
 * never accumulates across partial fills.
 */
export function orderFees(
  market: MarketRules,
  side: 'BUY' | 'SELL',
  amountMinor: number,
  opts: FeeOptions = {},
): FeeBreakdown {
  if (amountMinor <= 0) return { commission: 0, items: [], total: 0 };
  const c = opts.commission ?? market.defaultCommission;
  const commission = feeOn(amountMinor, c.rate, 'half-up', 1, c.minMinor);
  const items: FeeItem[] = [];
  let total = commission;
  const own = side === 'BUY' ? 'buy' : 'sell';
  for (const f of feesInForce(market, opts.day ?? LATEST_DAY)) {
    if (f.side !== 'both' && f.side !== own) continue;
    const amount = feeOn(amountMinor, f.rate, f.rounding, f.roundToMinor, f.minMinor, f.maxMinor);
    items.push({ name: f.name, amount });
    total += amount;
  }
  return { commission, items, total };
}

/** The fees of one side in force on a day; the last answer is kept, since an order asks several times. */
let lastInForce: { market: MarketRules | null; day: string; side: 'BUY' | 'SELL'; fees: FeeComponent[] } = {
  market: null,
  day: '',
  side: 'BUY',
  fees: [],
};

function sideFeesInForce(market: MarketRules, side: 'BUY' | 'SELL', day: string): FeeComponent[] {
  const last = lastInForce;
  if (last.market === market && last.day === day && last.side === side) return last.fees;
  const own = side === 'BUY' ? 'buy' : 'sell';
  const fees = feesInForce(market, day).filter((f) => f.side === 'both' || f.side === own);
  lastInForce = { market, day, side, fees };
  return fees;
}

/** The total of orderFees(), without building the breakdown (the engine asks for it on every order and fill). */
export function orderFeeTotal(
  market: MarketRules,
  side: 'BUY' | 'SELL',
  amountMinor: number,
  opts: FeeOptions = {},
): number {
  if (amountMinor <= 0) return 0;
  const c = opts.commission ?? market.defaultCommission;
  let total = feeOn(amountMinor, c.rate, 'half-up', 1, c.minMinor);
  for (const f of sideFeesInForce(market, side, opts.day ?? LATEST_DAY))
    total += feeOn(amountMinor, f.rate, f.rounding, f.roundToMinor, f.minMinor, f.maxMinor);
  return total;
}
