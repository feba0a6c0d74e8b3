import type { Condition, ConditionType } from '@ginkgo/contracts';

/** One operator-owned condition of the portfolio status, stamped with the generation it was decided for. */
export function cond(
  type: ConditionType,
  ok: boolean,
  reason: string,
  message: string,
  generation: number,
  now: Date,
): Condition {
  return {
    type,
    status: ok ? 'True' : 'False',
    reason,
    message,
    lastTransitionTime: now.toISOString(),
    observedGeneration: generation,
  };
}

/**
 * Replaces the operator-owned conditions in `existing`, keeping the others (the node's) untouched and
 * keeping lastTransitionTime when a condition's status did not change. Returns undefined if nothing changed.
 */
export function mergeConditions(existing: Condition[] | undefined, ours: Condition[]): Condition[] | undefined {
  const list = [...(existing ?? [])];
  let changed = false;
  for (const c of ours) {
    const i = list.findIndex((e) => e.type === c.type);
    const old = i >= 0 ? list[i] : undefined;
    if (
      old &&
      old.status === c.status &&
      old.reason === c.reason &&
      old.message === c.message &&
      old.observedGeneration === c.observedGeneration
    ) {
      continue;
    }
    const next = old && old.status === c.status ? { ...c, lastTransitionTime: old.lastTransitionTime } : c;
    if (i >= 0) list[i] = next;
    else list.push(next);
    changed = true;
  }
  return changed ? list : undefined;
}
