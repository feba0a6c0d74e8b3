/**
 * Fencing of order messages. Within one incarnation of a portfolio (one Portfolio resource, told by its uid) a
 * message from an older assignment epoch than the newest seen is refused: its node lost the portfolio. A
 * Portfolio deleted and created again under its name is a new incarnation that starts at epoch 1: its first
 * message retires the old incarnation, whose late messages are refused from then on whatever their epoch.
 * Messages without an incarnation (older senders) are fenced by epoch alone.
 */

/** The newest epoch (and incarnation) seen for a portfolio id. */
export interface FenceState {
  epoch: number;
  incarnation?: string | null;
}

export type FenceOutcome =
  | { stale: true; current: number }
  /** Accepted; `next` is the fence to store when it changed, `retire` an incarnation superseded by this one. */
  | { stale: false; next?: FenceState; retire?: string };

export function checkFence(
  current: FenceState | undefined,
  retired: boolean,
  msg: { epoch: number; incarnation?: string | undefined },
): FenceOutcome {
  const life = msg.incarnation;
  if (retired) return { stale: true, current: current?.epoch ?? 0 };
  if (!current) return { stale: false, next: { epoch: msg.epoch, incarnation: life ?? null } };
  if (current.incarnation && life && current.incarnation !== life)
    return { stale: false, next: { epoch: msg.epoch, incarnation: life }, retire: current.incarnation };
  if (msg.epoch < current.epoch) return { stale: true, current: current.epoch };
  const adopt = !current.incarnation && !!life;
  if (msg.epoch === current.epoch && !adopt) return { stale: false };
  return { stale: false, next: { epoch: msg.epoch, incarnation: current.incarnation || life || null } };
}
