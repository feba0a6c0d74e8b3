import { minorToDecimal } from '@ginkgo/contracts';
import type { MarketRules } from './market-rules.js';
import { limitPrices, type RuleViolation } from './markets/order-rules.js';
import type { Signal } from './types.js';

/**
 * The price and type of the order a signal becomes, or why there is none. LIMIT at the signal's price or
 * the last price; MARKET carries the day's limit price (the worst it may fill at) so that the cash frozen
 * for a buy covers any fill. A limit price must sit on the tick and inside the day's limits, because the
 * exchange would reject it anyway and a reason here is clearer than a broker rejection later: outside the
 * limits is a refusal by the price-limit rule (an alert), the tick is checked with the other exchange rules.
 */
export function orderPrice(
  market: MarketRules,
  s: Pick<Signal, 'code' | 'orderType' | 'limitPrice'>,
  side: 'BUY' | 'SELL',
  last: number,
  prevClose: number | undefined,
  day: string,
): { price: number; orderType: 'LIMIT' | 'MARKET' } | { refusal: RuleViolation } | string {
  const limits = prevClose !== undefined ? limitPrices(market, s.code, prevClose, day) : null;
  if (s.orderType === 'MARKET') {
    if (s.limitPrice !== undefined) return `a MARKET order takes no limit price (got ${minorToDecimal(s.limitPrice)})`;
    const cap = limits ? (side === 'BUY' ? limits.up : limits.down) : last;
    return { price: cap, orderType: 'MARKET' };
  }
  const price = s.limitPrice ?? last;
  if (!Number.isSafeInteger(price) || price <= 0)
    return `limit price ${price} must be a positive integer in minor units`;
  // The tick size (per board and price band) is checked with the other exchange rules just before the order leaves.
  if (limits && (price > limits.up || price < limits.down)) {
    return {
      refusal: {
        rule: 'price-limit',
        message: `limit price ${minorToDecimal(price)} outside the day's limits ${minorToDecimal(limits.down)}-${minorToDecimal(limits.up)}`,
      },
    };
  }
  return { price, orderType: 'LIMIT' };
}
