import type { z } from 'zod';
import type { RiskManager } from '../component-api.js';
import type { RiskDefinition } from '../component-registry.js';
import { compareFractions, PPM, ratioToPpm } from '../money.js';
import { paramsObject, ratio } from '../params.js';

const LossParams = paramsObject({ lossRatio: ratio() });
const ProfitParams = paramsObject({ profitRatio: ratio(100) });

function pctText(valueMinor: number, costMinor: number): string {
  return `${(((valueMinor - costMinor) / costMinor) * 100).toFixed(2)}%`;
}

/**
 * Closes all of a held, sellable position (active risk) once its value crosses cost x (1 - ratio) for a
 * stop loss or cost x (1 + ratio) for a take profit; value / cost is compared as exact fractions.
 */
function pnlExit(kind: 'stop loss' | 'take profit', ratioValue: number): RiskManager {
  const ppm = ratioToPpm(ratioValue);
  const loss = kind === 'stop loss';
  const pct = `${loss ? '<= -' : '>= '}${(ppm / 10_000).toFixed(2)}%`;
  return {
    onPrice(view, event) {
      const pos = view.position(event.code);
      if (!pos || pos.volume === 0 || pos.costMinor <= 0 || pos.availableToSell === 0) return [];
      const value = pos.volume * event.price;
      const vsBound = compareFractions(value, pos.costMinor, loss ? PPM - ppm : PPM + ppm, PPM);
      if (loss ? vsBound > 0 : vsBound < 0) return [];
      return [{ code: event.code, direction: 'SHORT', reason: `${kind}: PnL ${pctText(value, pos.costMinor)} ${pct}` }];
    },
  };
}

/** Stop loss: when a position's value falls to cost x (1 - lossRatio) or below, close all of it (active risk). */
export function lossLimit(p: z.infer<typeof LossParams>): RiskManager {
  return pnlExit('stop loss', p.lossRatio);
}

/** Take profit: when value reaches cost x (1 + profitRatio), close the position (active risk). */
export function profitLimit(p: z.infer<typeof ProfitParams>): RiskManager {
  return pnlExit('take profit', p.profitRatio);
}

export const lossLimitDefinition: RiskDefinition<z.infer<typeof LossParams>> = {
  params: LossParams,
  create: lossLimit,
  description: 'stop loss (lossRatio)',
};
export const profitLimitDefinition: RiskDefinition<z.infer<typeof ProfitParams>> = {
  params: ProfitParams,
  create: profitLimit,
  description: 'take profit (profitRatio)',
};
