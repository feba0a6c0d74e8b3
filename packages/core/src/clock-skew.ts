/**
 * Event times come from the source (exchange/feeder), never from local clocks. These helpers let a
 * runtime measure how far a source timestamp is from a reference time it obtained itself (NTP, broker),
 * export the figure and raise/clear an alert with hysteresis. Pure: the reference is an argument.
 */
export interface SkewMeasurement {
  /** sourceTs - referenceTs: positive when the source is ahead. */
  skewMs: number;
  absSkewMs: number;
  exceeded: boolean;
}

export const DEFAULT_SKEW_ALERT_MS = 5_000;

export function measureSkew(
  sourceTs: number,
  referenceTs: number,
  thresholdMs = DEFAULT_SKEW_ALERT_MS,
): SkewMeasurement {
  const skewMs = sourceTs - referenceTs;
  const absSkewMs = Math.abs(skewMs);
  return { skewMs, absSkewMs, exceeded: absSkewMs > thresholdMs };
}

export interface SkewAlertState {
  alerting: boolean;
  maxAbsSkewMs: number;
}

export type SkewTransition = 'raise' | 'clear' | 'none';

/**
 * Alert logic: raise once when |skew| exceeds the threshold, clear only when it falls below half of it,
 * so a skew hovering around the threshold does not flap.
 */
export function nextSkewAlert(
  state: SkewAlertState,
  m: SkewMeasurement,
  thresholdMs = DEFAULT_SKEW_ALERT_MS,
): { state: SkewAlertState; transition: SkewTransition } {
  const maxAbsSkewMs = Math.max(state.maxAbsSkewMs, m.absSkewMs);
  if (!state.alerting && m.absSkewMs > thresholdMs)
    return { state: { alerting: true, maxAbsSkewMs }, transition: 'raise' };
  if (state.alerting && m.absSkewMs <= thresholdMs / 2)
    return { state: { alerting: false, maxAbsSkewMs }, transition: 'clear' };
  return { state: { alerting: state.alerting, maxAbsSkewMs }, transition: 'none' };
}
