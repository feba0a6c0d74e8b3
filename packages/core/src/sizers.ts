import type { z } from 'zod';
import type { Sizer } from './component-api.js';
import type { SizerDefinition } from './component-registry.js';
import { mulDiv, PPM } from './money.js';
import { moneyAmount, paramsObject, positiveInt, ratio } from './params.js';

const FixedVolume = paramsObject({ volume: positiveInt() });
const FixedValue = paramsObject({ value: moneyAmount() });
const PercentEquity = paramsObject({ percent: ratio(100) });

/** Sizers return a raw volume; the engine rounds it down to the lot and cuts it to the cash available. */
export const fixedVolumeDefinition: SizerDefinition<z.infer<typeof FixedVolume>> = {
  params: FixedVolume,
  create: (p): Sizer => ({ size: () => p.volume }),
  description: 'fixed number of shares (volume)',
};

export const fixedValueDefinition: SizerDefinition<z.infer<typeof FixedValue>> = {
  params: FixedValue,
  create: (p): Sizer => ({ size: (_v, _s, price) => Math.floor(p.value / price) }),
  description: 'fixed amount of money per order (value, currency units)',
};

export const percentEquityDefinition: SizerDefinition<z.infer<typeof PercentEquity>> = {
  params: PercentEquity,
  create: (p): Sizer => {
    const ppm = Math.round(p.percent * 10_000);
    return { size: (view, _s, price) => Math.floor(mulDiv(view.equity(), ppm, PPM, 'floor') / price) };
  },
  description: 'percentage of equity per order (percent)',
};
