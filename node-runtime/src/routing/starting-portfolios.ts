import type { EngineEvent } from '@ginkgo/core';
import type { InputPosition } from '../worker/input-position.js';

export interface BufferedInput {
  event: EngineEvent;
  position: InputPosition;
}

/** A portfolio between "assigned" and "running": live inputs wait here while it loads and catches up. */
export interface StartingPortfolio {
  readonly portfolioId: string;
  readonly market: string;
  readonly inputs: BufferedInput[];
  /** Unassigned meanwhile: the start is abandoned. */
  cancelled: boolean;
}

/**
 * Portfolios being started or restarted. While a portfolio is here the consumers hand its live inputs to the
 * buffer instead of a worker (and do not wait, so other portfolios keep flowing); once it has caught up from
 * its own persisted positions the buffer is applied in arrival order (inputs already applied are skipped by
 * offset) and the worker takes over. Nothing published meanwhile is lost: what the buffer missed is in the log.
 */
export class StartingPortfolios {
  private readonly byId = new Map<string, StartingPortfolio>();

  begin(portfolioId: string, market: string): StartingPortfolio {
    const s: StartingPortfolio = { portfolioId, market, inputs: [], cancelled: false };
    const before = this.byId.get(portfolioId);
    if (before) before.cancelled = true;
    this.byId.set(portfolioId, s);
    return s;
  }

  get(portfolioId: string): StartingPortfolio | undefined {
    return this.byId.get(portfolioId);
  }

  /** Ends this start (no-op if a newer start replaced it). */
  end(s: StartingPortfolio): void {
    if (this.byId.get(s.portfolioId) === s) this.byId.delete(s.portfolioId);
  }

  cancel(portfolioId: string): boolean {
    const s = this.byId.get(portfolioId);
    if (!s) return false;
    s.cancelled = true;
    this.byId.delete(portfolioId);
    return true;
  }

  ofMarket(market: string): StartingPortfolio[] {
    return [...this.byId.values()].filter((s) => s.market === market);
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }
}
