import type { DailyBuysState } from './daily-buys.js';
import type { EngineState } from './engine-state.js';
import type { JsonObject } from './types.js';

export const SNAPSHOT_VERSION = 1;

export interface QuoteState {
  price: number;
  ts: number;
  prevClose?: number;
}

export interface ComponentSnapshot {
  /** name + params; state is restored only into the same configuration. */
  key: string;
  state: JsonObject;
}

/**
 * The whole state of one portfolio as plain JSON: a version stamp plus the engine state. Versioned: a
 * reader refuses versions it does not know instead of guessing.
 */
export interface PortfolioSnapshot extends Omit<EngineState, 'dailyBuys'> {
  version: typeof SNAPSHOT_VERSION;
  /** Absent in snapshots written before the risk-warning daily buy cap existed. */
  dailyBuys?: DailyBuysState;
}
