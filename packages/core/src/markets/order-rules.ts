import { mulDiv, PPM } from '../money.js';
import type { LotRule, MarketRules, TickBand } from '../market-rules.js';
import { LATEST_DAY } from './fees.js';
import { instrumentRules, type InstrumentRules } from './instrument-rules.js';

/** The exchange rule an order breaks; the name travels in the refusal alert. */
export type MarketRuleName =
  | 'not-listed'
  | 'suspended'
  | 'board-lot'
  | 'odd-lot-sell'
  | 'max-order-volume'
  | 'price-limit'
  | 'tick-size'
  | 'st-daily-buy-cap'
  | 'unknown-board-lot';

export interface RuleViolation {
  rule: MarketRuleName;
  message: string;
}

const violation = (rule: MarketRuleName, message: string): RuleViolation => ({ rule, message });

/** Limit-up and limit-down from a base (previous close), rounded half-up to the fen as the exchanges do. */
export function limitPricesFor(rules: InstrumentRules, baseMinor: number): { up: number; down: number } | null {
  if (rules.limitPpm === null) return null;
  return {
    up: mulDiv(baseMinor, PPM + rules.limitPpm, PPM, 'half-up'),
    down: Math.max(1, mulDiv(baseMinor, PPM - rules.limitPpm, PPM, 'half-up')),
  };
}

/** Limit prices of a code on a day (the day's board, status and IPO window). */
export function limitPrices(
  market: MarketRules,
  code: string,
  baseMinor: number,
  day: string = LATEST_DAY,
): { up: number; down: number } | null {
  return limitPricesFor(instrumentRules(market, code, day), baseMinor);
}

/** The tick at a price: the band the price falls in (bands are inclusive at their upper end). */
export function tickAt(ticks: readonly TickBand[], priceMinor: number): number {
  for (const b of ticks) if (b.upToMinor === null || priceMinor <= b.upToMinor) return b.tickMinor;
  return ticks.at(-1)?.tickMinor ?? 1;
}

/**
 * Whether the exchange would take a limit price: on the tick grid of its band and within the day's limits
 * from `baseMinor` (the previous close; without one only the grid is checked). Shared by the engine, the paper
 * venue and signal checks so that all three judge a price alike.
 */
export function checkPrice(rules: InstrumentRules, priceMinor: number, baseMinor?: number): RuleViolation | null {
  const tick = tickAt(rules.ticks, priceMinor);
  if (priceMinor <= 0 || priceMinor % tick !== 0)
    return violation(
      'tick-size',
      `${rules.code}: price ${priceMinor} is not a multiple of the tick ${tick} (${rules.boardName})`,
    );
  if (baseMinor !== undefined) {
    const lim = limitPricesFor(rules, baseMinor);
    if (lim && (priceMinor > lim.up || priceMinor < lim.down)) {
      return violation(
        'price-limit',
        `${rules.code}: price ${priceMinor} outside the day's limits [${lim.down}, ${lim.up}] (${rules.limitNote}, previous close ${baseMinor})`,
      );
    }
  }
  return null;
}

/** True when a volume is whole lots: at least `min`, then in steps of `step`. */
export function isWholeLots(lot: LotRule, volume: number): boolean {
  return Number.isSafeInteger(volume) && volume >= lot.min && (volume - lot.min) % lot.step === 0;
}

/** Largest whole-lot volume <= `volume` (0 when below one lot). */
export function roundDownToLots(lot: LotRule, volume: number): number {
  if (volume < lot.min) return 0;
  return volume - ((volume - lot.min) % lot.step);
}

/**
 * The part of a balance that cannot be sold as whole lots and so must go in one order: below the minimum,
 * all of it; above it, what is left over after whole steps. Zero where odd lots cannot go to the board.
 */
export function oddRemainder(lot: LotRule, balance: number): number {
  if (!lot.oddRemainderSell || balance <= 0) return 0;
  return balance < lot.min ? balance : (balance - lot.min) % lot.step;
}

/** Whether a sell volume is valid against a balance: whole lots, or the whole odd remainder plus whole lots. */
export function isValidSellVolume(lot: LotRule, volume: number, balance: number): boolean {
  if (volume <= 0 || volume > balance) return false;
  if (isWholeLots(lot, volume)) return true;
  const odd = oddRemainder(lot, balance);
  return odd > 0 && (volume === odd || isWholeLots(lot, volume - odd));
}

/** Largest valid sell volume <= `volume` against a balance (0 when none). */
export function roundDownSellVolume(lot: LotRule, volume: number, balance: number): number {
  const v = Math.min(volume, balance);
  let best = roundDownToLots(lot, v);
  const odd = oddRemainder(lot, balance);
  if (odd > 0 && v >= odd) best = Math.max(best, odd + roundDownToLots(lot, v - odd));
  return best;
}

/** Largest whole-lot buy <= `volume` that also respects the maximum order volume. */
export function roundDownBuyVolume(rules: InstrumentRules, volume: number): number {
  if (!rules.lot) return 0;
  const capped = rules.maxOrderVolume === null ? volume : Math.min(volume, rules.maxOrderVolume);
  return roundDownToLots(rules.lot, Math.floor(capped));
}

/** Whether the instrument can be traded at all today (listed, not suspended, lot known). */
export function checkTradable(rules: InstrumentRules): RuleViolation | null {
  if (!rules.listed) return violation('not-listed', `${rules.code} is not listed on ${rules.day}`);
  if (rules.suspended) return violation('suspended', `${rules.code} is suspended on ${rules.day} (reference data)`);
  if (!rules.lot) {
    const why =
      rules.board === 'unknown'
        ? `no board of market ${rules.market} matches the code`
        : `no board lot in the reference data of market ${rules.market}`;
    return violation('unknown-board-lot', `${rules.code}: ${why}`);
  }
  return null;
}

export interface OrderToCheck {
  side: 'BUY' | 'SELL';
  price: number;
  volume: number;
}

export interface OrderCheckContext {
  /** Previous close (the limit base); price limits are checked only when known. */
  prevClose?: number;
  /** Sells: the sellable balance of the account in the code. */
  sellableBalance?: number;
  /** Buys: shares of this code already bought today plus those in open buy orders. */
  boughtToday?: number;
}

/**
 * Every exchange check on one order, in the order a trader meets them: tradable, volume (lots, odd remainder,
 * maximum), risk-warning daily buy cap, price (tick, limits). Null when the exchange would take it.
 */
export function checkOrder(rules: InstrumentRules, o: OrderToCheck, ctx: OrderCheckContext = {}): RuleViolation | null {
  return checkVolume(rules, o.side, o.volume, ctx) ?? checkPrice(rules, o.price, ctx.prevClose);
}

/** The checks of `checkOrder` that do not depend on the price. */
export function checkVolume(
  rules: InstrumentRules,
  side: 'BUY' | 'SELL',
  volume: number,
  ctx: OrderCheckContext = {},
): RuleViolation | null {
  const o = { side, volume };
  const t = checkTradable(rules);
  if (t) return t;
  const lot = rules.lot!;
  if (rules.maxOrderVolume !== null && o.volume > rules.maxOrderVolume) {
    return violation(
      'max-order-volume',
      `${rules.code}: ${o.volume} exceeds the largest order of ${rules.maxOrderVolume} (${rules.boardName})`,
    );
  }
  if (o.side === 'BUY') {
    if (!isWholeLots(lot, o.volume))
      return violation(
        'board-lot',
        `${rules.code}: buy volume ${o.volume} is not whole lots (${lotText(lot)}, ${rules.boardName})`,
      );
    if (rules.stDailyBuyCap !== null && (ctx.boughtToday ?? 0) + o.volume > rules.stDailyBuyCap) {
      return violation(
        'st-daily-buy-cap',
        `${rules.code} is under risk warning: ${ctx.boughtToday ?? 0} bought or pending today + ${o.volume} exceeds the daily cap of ${rules.stDailyBuyCap}`,
      );
    }
  } else {
    const balance = ctx.sellableBalance ?? o.volume;
    if (!isValidSellVolume(lot, o.volume, balance)) {
      const odd = oddRemainder(lot, balance);
      const rule =
        isWholeLots(lot, o.volume) || o.volume > balance
          ? 'board-lot'
          : lot.oddRemainderSell
            ? 'odd-lot-sell'
            : 'board-lot';
      const why =
        o.volume > balance
          ? `exceeds the sellable ${balance}`
          : odd > 0
            ? `must be whole lots (${lotText(lot)}) or include the whole odd remainder of ${odd}`
            : `must be whole lots (${lotText(lot)})`;
      return violation(rule, `${rules.code}: sell volume ${o.volume} of a sellable ${balance} ${why}`);
    }
  }
  return null;
}

const lotText = (lot: LotRule) =>
  lot.min === lot.step ? `multiples of ${lot.step}` : `at least ${lot.min}, then steps of ${lot.step}`;
