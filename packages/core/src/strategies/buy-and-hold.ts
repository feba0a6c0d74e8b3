import type { z } from 'zod';
import type { Strategy } from '../component-api.js';
import type { StrategyDefinition } from '../component-registry.js';
import { moneyAmount, paramsObject } from '../params.js';

const Params = paramsObject({ maxPrice: moneyAmount().optional() });
type Params = z.infer<typeof Params>;

/**
 * Buys once per code on its first valid price (at or below maxPrice when given), then holds.
 * Used by the demo and the end-to-end tests.
 */
export function buyAndHold(p: Params): Strategy {
  return {
    onPrice(_view, event, ctx) {
      if (ctx.state[event.code] === true) return [];
      if (p.maxPrice !== undefined && event.price > p.maxPrice) return [];
      ctx.state[event.code] = true;
      return [{ code: event.code, direction: 'LONG', reason: 'buy and hold: first price' }];
    },
  };
}

export const buyAndHoldDefinition: StrategyDefinition<Params> = {
  params: Params,
  create: buyAndHold,
  description: 'buy once per code (at or below maxPrice, if set) and hold',
};
