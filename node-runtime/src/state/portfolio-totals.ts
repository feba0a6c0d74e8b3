import type { PortfolioView } from '@ginkgo/core';
import type { PortfolioTotals } from './portfolio-state-store.js';

/** The figures the store keeps beside the snapshot (cash, equity, positions), taken from the engine's view. */
export function totalsOf(view: PortfolioView): PortfolioTotals {
  return {
    cash: view.cash,
    equity: view.equity,
    positions: view.positions.map((p) => ({
      code: p.code,
      volume: p.volume,
      sellable: p.sellable,
      avgCostMinor: p.avgCostMinor,
    })),
  };
}
