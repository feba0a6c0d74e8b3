import { z } from 'zod';
import type { RiskManager } from '../component-api.js';
import type { RiskDefinition } from '../component-registry.js';
import { limitPricesFor } from '../market-rules.js';
import { compareFractions, PPM, ratioToPpm } from '../money.js';
import { paramsObject, ratio } from '../params.js';
import type { JsonObject, SignalDraft } from '../types.js';

const Params = paramsObject({
  /** A single move of this fraction from the previous price counts as a flash move even inside the limits. */
  jumpRatio: ratio().default(0.05),
  /** Close the position when the code moves limit-down / crashes. */
  closePositions: z.boolean({ error: 'must be true or false' }).default(false),
  scope: z.enum(['code', 'portfolio'], { error: 'must be "code" or "portfolio"' }).default('code'),
});
type Params = z.infer<typeof Params>;

interface GuardState extends JsonObject {
  last: { [code: string]: number };
  paused: { [code: string]: string };
  all: string | null;
}

/**
 * Flash-crash / limit-move guard: when a code trades at its limit price or jumps by jumpRatio in one
 * update, opening (buying) is paused until the next settlement, an alert is raised, and optionally the
 * position is closed on the way down.
 */
export function limitMoveGuard(p: Params): RiskManager {
  const jumpPpm = ratioToPpm(p.jumpRatio);
  const st = (state: JsonObject): GuardState => {
    if (!state.last) Object.assign(state, { last: {}, paused: {}, all: null });
    return state as GuardState;
  };
  return {
    onPrice(view, event, ctx) {
      const s = st(ctx.state);
      const prev = s.last[event.code];
      s.last[event.code] = event.price;
      const base = event.prevClose ?? view.prevClose(event.code);
      const lim = base === undefined ? null : limitPricesFor(view.rules(event.code), base);
      let why: string | undefined;
      let down = false;
      if (lim && event.price <= lim.down) [why, down] = [`limit down at ${event.price}`, true];
      else if (lim && event.price >= lim.up) why = `limit up at ${event.price}`;
      else if (prev !== undefined && compareFractions(Math.abs(event.price - prev), prev, jumpPpm, PPM) >= 0) {
        down = event.price < prev;
        why = `flash move ${(((event.price - prev) / prev) * 100).toFixed(2)}% in one update`;
      }
      if (!why) return [];
      const already = p.scope === 'portfolio' ? s.all !== null : s.paused[event.code] !== undefined;
      // Keep the first reason: it is the one that explains the pause.
      if (!already && p.scope === 'portfolio') s.all = event.code;
      else if (!already) s.paused[event.code] = why;
      if (!already) ctx.alert('LIMIT_MOVE', `${event.code}: ${why}; opening paused`, event.code);
      const out: SignalDraft[] = [];
      if (p.closePositions && down && (view.position(event.code)?.availableToSell ?? 0) > 0) {
        out.push({ code: event.code, direction: 'SHORT', reason: `limit-move guard: ${why}` });
      }
      return out;
    },
    check(_view, proposal, ctx) {
      if (proposal.side !== 'BUY') return { action: 'pass' };
      const s = st(ctx.state);
      if (s.all !== null) return { action: 'block', reason: `opening paused after a limit move on ${s.all}` };
      const why = s.paused[proposal.code];
      return why === undefined ? { action: 'pass' } : { action: 'block', reason: `opening paused: ${why}` };
    },
    onSettlement(_view, ctx) {
      const s = st(ctx.state);
      s.paused = {};
      s.all = null;
    },
  };
}

export const limitMoveGuardDefinition: RiskDefinition<Params> = {
  params: Params,
  create: limitMoveGuard,
  description: 'limit-move / flash-crash guard (jumpRatio, closePositions, scope)',
};

/** The engine always checks cash (fees included); this name exists so specs may list it explicitly. */
export const cashCheckDefinition: RiskDefinition<Record<string, never>> = {
  params: paramsObject({}) as unknown as z.ZodType<Record<string, never>>,
  create: () => ({}),
  description: 'cash check with fees (always on)',
};
