import type { z } from 'zod';
import type { Strategy } from '../component-api.js';
import type { StrategyDefinition } from '../component-registry.js';
import { paramsObject } from '../params.js';

const Params = paramsObject({});
type Params = z.infer<typeof Params>;

/** Buys once per code on its first valid price, then holds (demo and walking skeleton). */
export function buyAndHold(_p: Params): Strategy {
  return {
    onPrice(_view, event, ctx) {
      if (ctx.state[event.code] === true) return [];
      ctx.state[event.code] = true;
      return [{ code: event.code, direction: 'LONG', reason: 'buy and hold: first price' }];
    },
  };
}

export const buyAndHoldDefinition: StrategyDefinition<Params> = { params: Params, create: buyAndHold, description: 'buy once per code and hold' };
