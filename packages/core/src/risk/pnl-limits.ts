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

/** Stop loss: when a position's value falls to cost x (1 - lossRatio) or below, close all of it (active risk). */
export function lossLimit(p: z.infer<typeof LossParams>): RiskManager {
  const ppm = ratioToPpm(p.lossRatio);
  return {
    onPrice(view, event) {
      const pos = view.position(event.code);
      if (!pos || pos.volume === 0 || pos.costMinor <= 0 || pos.availableToSell === 0) return [];
      const value = pos.volume * event.price;
      // value / cost <= (1 - loss): exact comparison of fractions.
      if (compareFractions(value, pos.costMinor, PPM - ppm, PPM) > 0) return [];
      return [{ code: event.code, direction: 'SHORT', reason: `stop loss: PnL ${pctText(value, pos.costMinor)} <= -${(ppm / 10_000).toFixed(2)}%` }];
    },
  };
}

/** Take profit: when value reaches cost x (1 + profitRatio), close the position (active risk). */
export function profitLimit(p: z.infer<typeof ProfitParams>): RiskManager {
  const ppm = ratioToPpm(p.profitRatio);
  return {
    onPrice(view, event) {
      const pos = view.position(event.code);
      if (!pos || pos.volume === 0 || pos.costMinor <= 0 || pos.availableToSell === 0) return [];
      const value = pos.volume * event.price;
      if (compareFractions(value, pos.costMinor, PPM + ppm, PPM) < 0) return [];
      return [{ code: event.code, direction: 'SHORT', reason: `take profit: PnL ${pctText(value, pos.costMinor)} >= ${(ppm / 10_000).toFixed(2)}%` }];
    },
  };
}

export const lossLimitDefinition: RiskDefinition<z.infer<typeof LossParams>> = { params: LossParams, create: lossLimit, description: 'stop loss (lossRatio)' };
export const profitLimitDefinition: RiskDefinition<z.infer<typeof ProfitParams>> = { params: ProfitParams, create: profitLimit, description: 'take profit (profitRatio)' };
