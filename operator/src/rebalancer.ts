import type { Logger } from '@ginkgo/platform';
import type { NodeInfo } from './node-info.js';
import { planRebalance, type Placement } from './placement.js';
import type { Portfolio } from './portfolio-writer.js';

export interface RebalancerOptions {
  logger: Logger;
  /** Plans only while this replica leads. */
  active: () => boolean;
  portfolios: () => Portfolio[];
  /** The node a portfolio is counted on (the load index). */
  nodeOf: (name: string) => string | undefined;
  nodes: () => NodeInfo[];
  /** Reconciles a portfolio soon: its next decision takes the planned target. */
  enqueue: (name: string) => void;
}

/**
 * Planned moves that spread running portfolios over the nodes (after a scale-out, a change of node markets or
 * the rebalance annotation). Requests close together make one pass; a pass only records a preferred target per
 * portfolio and reconciles it, so every move still goes through the normal decision and its hand-over.
 */
export class Rebalancer {
  /** Rebalance targets for the next decision of a portfolio. */
  private readonly preferred = new Map<string, string>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly opts: RebalancerOptions) {}

  /** Asks for a pass (at most one waits at a time). */
  request(reason: string): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.rebalance(reason);
    }, 200);
  }

  /** The target planned for this portfolio, if any. */
  preferredNode(name: string): string | undefined {
    return this.preferred.get(name);
  }

  /** The portfolio was decided on (or is gone): its planned target is used up. */
  forget(name: string): void {
    this.preferred.delete(name);
  }

  /** Drops a pass still waiting. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  private rebalance(reason: string): void {
    if (!this.opts.active()) return;
    const placements: Placement[] = [];
    for (const p of this.opts.portfolios()) {
      const node = this.opts.nodeOf(p.metadata.name);
      if (!node || p.metadata.deletionTimestamp) continue;
      const spec = p.spec as { market?: string; desiredState?: string; suspend?: boolean } | undefined;
      if (spec?.desiredState === 'Stopped' || spec?.suspend) continue;
      // A hand-over in progress already counts on its target.
      placements.push({ name: p.metadata.name, market: spec?.market ?? 'cn', node: p.status?.handoverTo ?? node });
    }
    const moves = planRebalance(placements, this.opts.nodes());
    this.opts.logger.info({ reason, moves: moves.length }, 'rebalance');
    for (const m of moves) {
      this.preferred.set(m.name, m.to);
      this.opts.enqueue(m.name);
    }
  }
}
