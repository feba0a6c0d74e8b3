/** Tunables of the pipeline; all durations are event-time milliseconds. */
export interface EngineConfig {
  /** Signals computed from data older than this (vs. the reference time) are dropped, never traded late. */
  staleSignalMs: number;
  /** Minimum interval between strategy signals on one code; risk signals are never rate limited. */
  minSignalIntervalMs: number;
  /** Unfilled orders older than this get one cancel request (checked on every event that moves event time). */
  orderTimeoutMs: number;
  /** A code without data for this much trading time is flagged missing and its signals dropped until data resumes. */
  dataGapMs: number;
  /** With a reference time (`handle(e, { now })`): events further ahead of it are dropped. */
  futureToleranceMs: number;
  /** Without a reference time: events this far beyond the latest event time are dropped (longer than any holiday). */
  maxForwardJumpMs: number;
  /** Market time going back by more than this pauses price processing until it catches up. */
  clockBackwardsToleranceMs: number;
  /** Drop price data outside the market's trading sessions (lunch break, after the close, non-trading days). */
  enforceSessions: boolean;
  /** How many recent event ids are remembered, so a redelivered event within them is applied once. */
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
