import { z } from 'zod';
import type { RiskManager } from '../component-api.js';
import type { RiskDefinition } from '../component-registry.js';
import { roundDownBuyVolume } from '../market-rules.js';
import { mulDiv, PPM, ratioToPpm } from '../money.js';
import { paramsObject, ratio } from '../params.js';

const Params = paramsObject({
  maxRatio: ratio(),
  mode: z.enum(['block', 'cut'], { error: 'must be "block" or "cut"' }).default('cut'),
});
type Params = z.infer<typeof Params>;

/**
 * Caps one code's exposure (held + open buys + this order) at maxRatio of equity: blocks the order or
 * cuts it to the largest lot-rounded volume that still satisfies the limit.
 */
export function positionRatio(p: Params): RiskManager {
  const maxPpm = ratioToPpm(p.maxRatio);
  return {
    check(view, proposal) {
      if (proposal.side !== 'BUY') return { action: 'pass' };
      const held = view.position(proposal.code)?.volume ?? 0;
      let pending = 0;
      for (const o of view.openOrders(proposal.code)) if (o.side === 'BUY') pending += o.volume - o.filled;
      const current = held + pending;
      const limitValue = mulDiv(view.equity(), maxPpm, PPM, 'floor');
      const after = (current + proposal.volume) * proposal.price;
      if (after <= limitValue) return { action: 'pass' };
      const pct = `${(maxPpm / 10_000).toFixed(2)}%`;
      if (p.mode === 'block') return { action: 'block', reason: `position ratio would exceed ${pct} of equity` };
      const maxVolume = roundDownBuyVolume(
        view.rules(proposal.code),
        Math.floor(limitValue / proposal.price) - current,
      );
      if (maxVolume <= 0) return { action: 'block', reason: `position ratio already at ${pct} of equity` };
      return {
        action: 'cut',
        volume: maxVolume,
        reason: `cut to ${maxVolume} to keep the position within ${pct} of equity`,
      };
    },
  };
}

export const positionRatioDefinition: RiskDefinition<Params> = {
  params: Params,
  create: positionRatio,
  description: 'max position ratio per code (maxRatio, mode block|cut)',
};
