import { cnAShareMarket, MARKETS, type MarketRules } from '@ginkgo/core';

/**
 * Rules for a livecore market id. A market without rules of its own (test markets with isolated ids) is
 * judged by the A-share rules, as livecore always did; `known` says which case it is so the caller can warn.
 */
export function marketRulesFor(
  market: string,
  markets: Readonly<Record<string, MarketRules>> = MARKETS,
): { rules: MarketRules; known: boolean } {
  const rules = markets[market];
  return rules ? { rules, known: true } : { rules: { ...cnAShareMarket, id: market }, known: false };
}
