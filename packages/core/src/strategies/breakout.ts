import type { z } from 'zod';
import type { Strategy } from '../component-api.js';
import type { StrategyDefinition } from '../component-registry.js';
import { paramsObject, positiveInt } from '../params.js';
import { perCodeStrategy } from './per-code.js';
import type { JsonObject } from '../types.js';

const Params = paramsObject({ lookback: positiveInt() });
type Params = z.infer<typeof Params>;

interface CodeState extends JsonObject {
  prices: number[];
}

/** Breakout: LONG above the highest of the previous `lookback` prices, SHORT (close) below the lowest. */
export function breakout(p: Params): Strategy {
  return perCodeStrategy<CodeState>(
    () => ({ prices: [] }),
    (s, event) => {
      const prices = s.prices;
      let signal: 'LONG' | 'SHORT' | undefined;
      if (prices.length === p.lookback) {
        let hi = -Infinity;
        let lo = Infinity;
        for (const x of prices) {
          if (x > hi) hi = x;
          if (x < lo) lo = x;
        }
        if (event.price > hi) signal = 'LONG';
        else if (event.price < lo) signal = 'SHORT';
        prices.shift();
      }
      prices.push(event.price);
      if (!signal) return [];
      return [
        {
          code: event.code,
          direction: signal,
          reason: `${signal === 'LONG' ? 'broke above' : 'broke below'} the ${p.lookback}-price range`,
        },
      ];
    },
  );
}

export const breakoutDefinition: StrategyDefinition<Params> = {
  params: Params,
  create: breakout,
  description: 'breakout (lookback)',
};
