import { z } from 'zod';
import type { Strategy } from '../component-api.js';
import type { StrategyDefinition } from '../component-registry.js';
import { paramsObject, positiveInt } from '../params.js';
import { perCodeStrategy } from './per-code.js';
import type { JsonObject, SignalDraft } from '../types.js';

const Params = paramsObject({
  short: positiveInt(),
  long: positiveInt(),
  volume: positiveInt().optional(),
}).superRefine((p, ctx) => {
  if (p.long <= p.short)
    ctx.addIssue({ code: 'custom', path: ['long'], message: `must be greater than short (${p.short})` });
});
type Params = z.infer<typeof Params>;

/** Per code: ring buffer of the last `long` prices and exact integer running sums. */
interface CodeState extends JsonObject {
  buf: number[];
  i: number;
  n: number;
  sumLong: number;
  sumShort: number;
  /** Sign of (short MA - long MA) at the previous price, 0 until both windows are full. */
  rel: number;
}

/** Moving-average crossover: LONG when the short MA crosses above the long MA, SHORT (close) when below. */
export function maCross(p: Params): Strategy {
  return perCodeStrategy<CodeState>(
    () => ({ buf: new Array<number>(p.long).fill(0), i: 0, n: 0, sumLong: 0, sumShort: 0, rel: 0 }),
    (s, event) => {
      const price = event.price;
      const buf = s.buf;
      // Leaving the long window: the element overwritten now.
      if (s.n >= p.long) s.sumLong -= buf[s.i] ?? 0;
      // Leaving the short window: the element `short` positions back.
      if (s.n >= p.short) s.sumShort -= buf[(s.i - p.short + p.long) % p.long] ?? 0;
      buf[s.i] = price;
      s.i = (s.i + 1) % p.long;
      s.sumLong += price;
      s.sumShort += price;
      if (s.n < p.long) s.n += 1;
      if (s.n < p.long) return [];
      // Compare sumShort/short with sumLong/long without division.
      const l = s.sumShort * p.long;
      const r = s.sumLong * p.short;
      const rel = l > r ? 1 : l < r ? -1 : 0;
      const prev = s.rel;
      if (rel !== 0) s.rel = rel;
      if (prev === 0 || rel === 0 || rel === prev) return [];
      const out: SignalDraft =
        rel > 0
          ? { code: event.code, direction: 'LONG', reason: `MA${p.short} crossed above MA${p.long}` }
          : { code: event.code, direction: 'SHORT', reason: `MA${p.short} crossed below MA${p.long}` };
      if (p.volume !== undefined && rel > 0) out.volume = p.volume;
      return [out];
    },
  );
}

export const maCrossDefinition: StrategyDefinition<Params> = {
  params: Params,
  create: maCross,
  description: 'moving-average crossover (short, long, volume?)',
};
