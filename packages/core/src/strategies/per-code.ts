import type { PriceUpdate } from '@ginkgo/contracts';
import type { Strategy } from '../component-api.js';
import type { JsonObject, SignalDraft } from '../types.js';

/**
 * A strategy keeping one JSON state per code in its component state, so that indicators survive a
 * snapshot. `init` makes a code's state at its first price; `step` then runs on that price (with `first`
 * set) and on every later one.
 */
export function perCodeStrategy<S extends JsonObject>(
  init: (event: PriceUpdate) => S,
  step: (s: S, event: PriceUpdate, first: boolean) => SignalDraft[],
): Strategy {
  return {
    onPrice(_view, event, ctx) {
      const saved = ctx.state[event.code] as S | undefined;
      if (saved) return step(saved, event, false);
      const s = init(event);
      ctx.state[event.code] = s;
      return step(s, event, true);
    },
  };
}
