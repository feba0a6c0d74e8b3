import { ComponentRegistry } from './component-registry.js';
import { limitMoveGuardDefinition, cashCheckDefinition } from './risk/limit-move-guard.js';
import { lossLimitDefinition, profitLimitDefinition } from './risk/pnl-limits.js';
import { positionRatioDefinition } from './risk/position-ratio.js';
import { fixedValueDefinition, fixedVolumeDefinition, percentEquityDefinition } from './sizers.js';
import { breakoutDefinition } from './strategies/breakout.js';
import { buyAndHoldDefinition } from './strategies/buy-and-hold.js';
import { maCrossDefinition } from './strategies/ma-cross.js';
import { rsiDefinition } from './strategies/rsi.js';

/** A fresh registry holding every built-in component; add your own with registerStrategy & co. */
export function createDefaultRegistry(): ComponentRegistry {
  return new ComponentRegistry()
    .registerStrategy('ma-cross', maCrossDefinition)
    .registerStrategy('rsi', rsiDefinition)
    .registerStrategy('breakout', breakoutDefinition)
    .registerStrategy('buy-and-hold', buyAndHoldDefinition)
    .registerRisk('position-ratio', positionRatioDefinition)
    .registerRisk('loss-limit', lossLimitDefinition)
    .registerRisk('profit-limit', profitLimitDefinition)
    .registerRisk('limit-move-guard', limitMoveGuardDefinition)
    .registerRisk('cash-check', cashCheckDefinition)
    .registerSizer('fixed-volume', fixedVolumeDefinition)
    .registerSizer('fixed-value', fixedValueDefinition)
    .registerSizer('percent-equity', percentEquityDefinition);
}
