/** Tunables of the pipeline; all durations are event-time milliseconds. */
export interface EngineConfig {
  /** Signals computed from data older than this (vs. the reference time) are dropped (S1.18). */
  staleSignalMs: number;
  /** Minimum interval between strategy signals on one code (S1.19). */
  minSignalIntervalMs: number;
  /** Unfilled orders older than this get a cancel (S6.05). */
  orderTimeoutMs: number;
  /** A code without data for this much trading time is flagged missing (S6.07). */
  dataGapMs: number;
  /** With a reference time (`handle(e, { now })`): events further ahead of it are dropped. */
  futureToleranceMs: number;
  /** Without a reference time: events this far beyond the latest event time are dropped (longer than any holiday). */
  maxForwardJumpMs: number;
  /** Market time going back by more than this pauses price processing until it catches up (S9.09). */
  clockBackwardsToleranceMs: number;
  /** Drop price data outside the market's sessions (S9.04). */
  enforceSessions: boolean;
  /** How many recent event ids are remembered for de-duplication (S6.08). */
  dedupeWindow: number;
  /** Finished orders kept for late events and inspection. */
  finishedOrdersKept: number;
  /** Settlement equity points kept for the report's curve. */
  equityCurvePoints: number;
}

export const DEFAULT_ENGINE_CONFIG: Readonly<EngineConfig> = {
  staleSignalMs: 5_000,
  minSignalIntervalMs: 60_000,
  orderTimeoutMs: 30_000,
  dataGapMs: 5 * 60_000,
  futureToleranceMs: 5_000,
  maxForwardJumpMs: 12 * 86_400_000,
  clockBackwardsToleranceMs: 30_000,
  enforceSessions: true,
  dedupeWindow: 5_000,
  finishedOrdersKept: 200,
  equityCurvePoints: 250,
};
