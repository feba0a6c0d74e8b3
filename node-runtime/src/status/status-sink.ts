import type { HandleResult, PortfolioView } from '@ginkgo/core';

/** Phases the node writes (the operator writes the others). */
export type NodePhase = 'Running' | 'Degraded' | 'Stopped';

/** Where a node reports its portfolios: the Kubernetes status in production, a map in the demo. */
export interface StatusSink {
  /** Trading summary after an event (throttled, best effort). */
  report(portfolioId: string, view: PortfolioView, result: HandleResult | undefined): void;
  /** Phase change with its node conditions, written at once; false when the assignment moved away. */
  phase?(
    portfolioId: string,
    run: { epoch: number; generation: number },
    phase: NodePhase,
    reason: string,
    message?: string,
  ): Promise<boolean>;
  /** The node no longer runs this portfolio: drop pending summaries. */
  forget?(portfolioId: string): void;
}
