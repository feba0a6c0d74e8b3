import { z } from 'zod';
import type { Strategy } from '../component-api.js';
import type { StrategyDefinition } from '../component-registry.js';
import { paramsObject, positiveInt } from '../params.js';
import { perCodeStrategy } from './per-code.js';
import type { JsonObject } from '../types.js';

const level = () =>
  z
    .number({ error: 'must be a number in (0, 100)' })
    .gt(0, { error: 'must be a number in (0, 100)' })
    .lt(100, { error: 'must be a number in (0, 100)' });
const Params = paramsObject({ period: positiveInt(), low: level(), high: level() }).superRefine((p, ctx) => {
  if (p.high <= p.low) ctx.addIssue({ code: 'custom', path: ['high'], message: `must be greater than low (${p.low})` });
});
type Params = z.infer<typeof Params>;

interface CodeState extends JsonObject {
  prev: number;
  n: number;
  avgGain: number;
  avgLoss: number;
  /** -1 oversold, 1 overbought, 0 between: signals fire on entering a zone, not on every tick in it. */
  zone: number;
}

/** RSI thresholds with Wilder smoothing: LONG on entering oversold (< low), SHORT on entering overbought (> high). */
export function rsi(p: Params): Strategy {
  return perCodeStrategy<CodeState>(
    (event) => ({ prev: event.price, n: 0, avgGain: 0, avgLoss: 0, zone: 0 }),
    (s, event, first) => {
      // The first price only sets the base of the first change.
      if (first) return [];
      const change = event.price - s.prev;
      s.prev = event.price;
      const gain = change > 0 ? change : 0;
      const loss = change < 0 ? -change : 0;
      s.n += 1;
      if (s.n <= p.period) {
        s.avgGain += gain / p.period;
        s.avgLoss += loss / p.period;
        if (s.n < p.period) return [];
      } else {
        s.avgGain = (s.avgGain * (p.period - 1) + gain) / p.period;
        s.avgLoss = (s.avgLoss * (p.period - 1) + loss) / p.period;
      }
      const value = s.avgLoss === 0 ? (s.avgGain === 0 ? 50 : 100) : 100 - 100 / (1 + s.avgGain / s.avgLoss);
      const zone = value < p.low ? -1 : value > p.high ? 1 : 0;
      const prevZone = s.zone;
      s.zone = zone;
      if (zone === prevZone || zone === 0) return [];
      return zone < 0
        ? [{ code: event.code, direction: 'LONG', reason: `RSI${p.period} ${value.toFixed(1)} < ${p.low}` }]
        : [{ code: event.code, direction: 'SHORT', reason: `RSI${p.period} ${value.toFixed(1)} > ${p.high}` }];
    },
  );
}

export const rsiDefinition: StrategyDefinition<Params> = {
  params: Params,
  create: rsi,
  description: 'RSI thresholds (period, low, high)',
};
