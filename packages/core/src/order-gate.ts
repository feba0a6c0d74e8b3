import type { Commission, MarketRules } from './market-rules.js';
import { commissionOf } from './markets/fees.js';
import type { InstrumentRules } from './markets/instrument-rules.js';
import {
  checkOrder,
  checkVolume,
  isValidSellVolume,
  roundDownBuyVolume,
  roundDownSellVolume,
  type OrderCheckContext,
  type OrderToCheck,
  type RuleViolation,
} from './markets/order-rules.js';
import type { PortfolioSpec } from '@ginkgo/contracts';

/**
 * The engine's side of the exchange rules: volumes the engine computes itself (sizer, risk cuts, cash cut,
 * "sell all") are rounded down to what the exchange takes; volumes a signal asks for explicitly are taken as
 * they are or refused with the rule's name, never silently changed.
 */
export type Sized = { volume: number } | { refusal: RuleViolation } | { reason: string };

/** Buy volume: an explicit one must be whole lots within the daily cap; a computed one is rounded down and cut to the cap. */
export function sizeBuy(
  rules: InstrumentRules,
  explicit: number | undefined,
  computed: () => number,
  boughtToday: number,
): Sized {
  const lot = rules.lot!;
  const room = rules.stDailyBuyCap === null ? Number.MAX_SAFE_INTEGER : Math.max(0, rules.stDailyBuyCap - boughtToday);
  if (explicit !== undefined) {
    const v = checkVolume(rules, 'BUY', explicit, { boughtToday });
    return v ? { refusal: v } : { volume: explicit };
  }
  const raw = computed();
  const volume = roundDownBuyVolume(rules, Math.min(Math.floor(raw), room));
  if (volume > 0) return { volume };
  if (room < lot.min && roundDownBuyVolume(rules, Math.floor(raw)) > 0) {
    return {
      refusal: {
        rule: 'st-daily-buy-cap',
        message: `${rules.code} is under risk warning: ${boughtToday} bought or pending today leaves no lot under the daily cap of ${rules.stDailyBuyCap}`,
      },
    };
  }
  return { reason: `size ${raw} is below one lot of ${lot.min}` };
}

/** Sell volume against what is available: an explicit one must be valid (whole lots or with the whole odd remainder). */
export function sizeSell(rules: InstrumentRules, explicit: number | undefined, available: number): Sized {
  const lot = rules.lot!;
  if (explicit !== undefined && explicit <= available) {
    if (isValidSellVolume(lot, explicit, available)) return { volume: explicit };
    const v = checkVolume(rules, 'SELL', explicit, { sellableBalance: available });
    return v ? { refusal: v } : { volume: explicit };
  }
  // Asked for more than T+1 allows, or for "everything": the most the exchange takes out of what is available.
  const volume = roundDownSellVolume(lot, available, available);
  return volume > 0 ? { volume } : { reason: `sell volume below one lot of ${lot.min}` };
}

/** A risk manager's cut, rounded down to a volume the exchange takes. */
export function cutVolume(rules: InstrumentRules, side: 'BUY' | 'SELL', volume: number, available: number): number {
  if (side === 'BUY') return roundDownBuyVolume(rules, volume);
  return roundDownSellVolume(rules.lot!, volume, available);
}

/** Largest whole-lot buy whose cost (fees included) fits in `cash`. */
export function largestAffordableBuy(
  rules: InstrumentRules,
  price: number,
  cash: number,
  cost: (volume: number) => number,
): number {
  const lot = rules.lot!;
  let v = roundDownBuyVolume(rules, Math.floor(cash / price));
  while (v > 0 && cost(v) > cash) v = v - lot.step >= lot.min ? v - lot.step : 0;
  return v;
}

/** The last check before an order leaves: everything the exchange checks, price included. */
export function finalCheck(rules: InstrumentRules, o: OrderToCheck, ctx: OrderCheckContext): RuleViolation | null {
  return checkOrder(rules, o, ctx);
}

/** The commission of a Portfolio: its spec's, else the market's default. */
export function portfolioCommission(market: MarketRules, spec: PortfolioSpec): Commission {
  return commissionOf(market, spec.commission);
}
