import type { HandleResult, PortfolioEngine, PortfolioSnapshot } from '@ginkgo/core';
import { totalsOf } from '../state/portfolio-totals.js';
import { AppliedPositions } from './applied-positions.js';
import type { PortfolioWorkerOptions } from './worker-options.js';

type SaverOptions = Pick<
  PortfolioWorkerOptions,
  | 'portfolioId'
  | 'nodeId'
  | 'epoch'
  | 'incarnation'
  | 'effects'
  | 'logger'
  | 'inputPositions'
  | 'watermark'
  | 'onFenced'
>;

/**
 * Saves a worker's state: the engine snapshot and the applied input positions together, in one write guarded
 * by the epoch. Keeps the last saved snapshot (where a failure goes back to) and notices when a newer epoch
 * owns the portfolio: from then on the worker is fenced off and must not act.
 */
export class StateSaver {
  /** Input positions applied, and those last saved: where a replay after a failed effect resumes. */
  readonly positions: AppliedPositions;
  private saved: PortfolioSnapshot;
  private fencedOff = false;

  constructor(
    private readonly opts: SaverOptions,
    initial: PortfolioSnapshot,
  ) {
    this.positions = new AppliedPositions(opts.inputPositions);
    this.saved = initial;
  }

  /** A save was refused: a newer epoch owns the portfolio. */
  get fenced(): boolean {
    return this.fencedOff;
  }

  /** The engine snapshot last saved. */
  get lastSnapshot(): PortfolioSnapshot {
    return this.saved;
  }

  /** Takes the node's routed offsets as applied; true when a position moved. */
  mergeWatermark(): boolean {
    return this.positions.merge(this.opts.watermark?.() ?? {});
  }

  /** Saves the engine's state with the positions; `report` also sends the status for humans. */
  async save(engine: PortfolioEngine, result: HandleResult | undefined, report = true): Promise<void> {
    const { portfolioId, nodeId, epoch, incarnation, effects } = this.opts;
    this.mergeWatermark();
    const view = engine.view();
    const snapshot = engine.snapshot();
    const saved = await effects.save(
      {
        portfolioId,
        epoch,
        nodeId,
        ...(incarnation ? { incarnation } : {}),
        snapshot,
        inputPositions: this.positions.snapshot(),
      },
      totalsOf(view),
    );
    if (!saved) {
      this.fencedOff = true;
      this.opts.logger.error({ portfolioId, epoch }, 'a newer epoch owns this portfolio: worker fenced off');
      this.opts.onFenced?.(portfolioId);
      return;
    }
    this.saved = snapshot;
    this.positions.markSaved();
    if (report) effects.report(portfolioId, view, result);
  }
}
