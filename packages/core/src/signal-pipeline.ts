import { KeyedEntries } from './keyed-entries.js';
import type { Signal } from './types.js';

/**
 * The pure stages of the signal pipeline between the strategy and the sizer. The engine runs, per price
 * event: input validation -> active risk + strategy (risk overrides) -> conflict resolution -> stale
 * expiry -> per-code rate limit -> sizing -> passive risk (block/cut) -> cash check -> order.
 * Passive risk runs on the sized order because "cut the volume" needs a volume to cut.
 */
export interface SignalDrop {
  signal: Signal;
  reason: string;
}

/** Active risk signals replace the strategy's for the event (stop loss beats "buy more"). */
export function applyRiskOverride(risk: Signal[], strategy: Signal[]): { kept: Signal[]; dropped: SignalDrop[] } {
  if (risk.length === 0) return { kept: strategy, dropped: [] };
  return { kept: risk, dropped: strategy.map((signal) => ({ signal, reason: 'overridden by risk signal' })) };
}

/**
 * LONG and SHORT on one code: risk-origin signals win; with no risk signal among them all are dropped,
 * because we cannot tell which one is right. Repeated same-direction signals collapse to the first.
 */
export function resolveConflicts(signals: Signal[]): { kept: Signal[]; dropped: SignalDrop[] } {
  if (signals.length <= 1) return { kept: signals, dropped: [] };
  const byCode = new Map<string, Signal[]>();
  for (const s of signals) {
    const list = byCode.get(s.code);
    if (list) list.push(s);
    else byCode.set(s.code, [s]);
  }
  const kept: Signal[] = [];
  const dropped: SignalDrop[] = [];
  for (const [code, list] of byCode) {
    let candidates = list;
    const conflict = list.some((s) => s.direction === 'LONG') && list.some((s) => s.direction === 'SHORT');
    if (conflict) {
      const risk = list.filter((s) => s.origin === 'risk');
      const riskDirections = new Set(risk.map((s) => s.direction));
      if (risk.length === 0 || riskDirections.size > 1) {
        for (const signal of list)
          dropped.push({ signal, reason: `conflicting LONG and SHORT signals on ${code}: all dropped` });
        continue;
      }
      for (const signal of list)
        if (signal.origin !== 'risk')
          dropped.push({ signal, reason: `conflicting signals on ${code}: risk signal wins` });
      candidates = risk;
    }
    kept.push(candidates[0]!);
    for (const signal of candidates.slice(1))
      dropped.push({ signal, reason: `duplicate ${signal.direction} signal on ${code}` });
  }
  return { kept, dropped };
}

/** A signal computed from data older than `maxAgeMs` (relative to the reference time) is stale. */
export function signalAge(signal: Signal, referenceTs: number): number {
  return referenceTs - signal.ts;
}

/** Minimum interval between strategy signals on one code, in event time. */
export class SignalRateLimiter {
  /** code -> time of its last allowed signal, over the entries array kept in the engine state. */
  readonly last: KeyedEntries<number>;

  constructor(
    private readonly minIntervalMs: number,
    entries: [string, number][] = [],
  ) {
    this.last = new KeyedEntries(entries);
  }

  /** True (and remembered) when the code may signal at `ts`. */
  allow(code: string, ts: number): boolean {
    if (this.minIntervalMs <= 0) return true;
    const last = this.last.get(code);
    if (last !== undefined && ts - last < this.minIntervalMs) return false;
    this.last.set(code, ts);
    return true;
  }
}
