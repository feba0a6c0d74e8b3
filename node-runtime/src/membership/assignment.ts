import type { PortfolioSpec } from '@ginkgo/contracts';

/** A portfolio this node is to run: its spec, the epoch it is fenced by and the spec generation. */
export interface Assignment {
  portfolioId: string;
  spec: PortfolioSpec;
  epoch: number;
  generation: number;
  /** The Portfolio resource's uid: a Portfolio deleted and created again under its name is a new incarnation. */
  incarnation?: string;
  /** Start halted (emergency stop in force): a restart must never open a trading window. */
  halted?: boolean;
}
