import {
  CancelOrderAnnotation,
  describeIssues,
  orderIntervention,
  orderInterventionReason,
  type CancelRequest,
  type Condition,
  type OrderInterventionReason,
  type PortfolioStatus,
} from '@ginkgo/contracts';

/** What the operator does with a Portfolio's cancel annotation and its pending cancel requests. */
export interface InterventionDecision {
  /** New value of status.cancelRequests (undefined: unchanged). */
  cancelRequests?: CancelRequest[] | null;
  /** Operator-owned condition OrderIntervention to set. */
  condition?: Condition;
  /** The accepted request, or the refusal, for the Event and the log. */
  accepted?: CancelRequest;
  refused?: string;
  /** Requests dropped because more than maxPending were waiting. */
  dropped: number;
  /** The annotation was consumed: remove it once the status write succeeded. */
  consumeAnnotation: boolean;
}

/**
 * Pure: validates `ginkgo.live/cancel-order` (raw annotation value, if any) against the portfolio's status and
 * returns the status change. Idempotent: a request that is already the last one recorded (same annotation
 * value, the operator stopped before it could remove the annotation) is not recorded twice.
 */
export function decideIntervention(
  portfolio: string,
  raw: string | undefined,
  status: PortfolioStatus,
  generation: number,
  now: Date,
): InterventionDecision {
  const ackId = status.cancelAck?.id ?? 0;
  const existing = status.cancelRequests ?? [];
  let pending = existing.filter((r) => r.id > ackId);
  const out: InterventionDecision = { dropped: 0, consumeAnnotation: false };
  const cond = (ok: boolean, reason: OrderInterventionReason, message: string): Condition => ({
    type: orderIntervention.conditionType,
    status: ok ? 'True' : 'False',
    reason,
    message,
    lastTransitionTime: now.toISOString(),
    observedGeneration: generation,
  });

  if (raw !== undefined) {
    out.consumeAnnotation = true;
    const refused = (why: string) => {
      out.refused = why;
      out.condition = cond(
        false,
        orderInterventionReason.InvalidRequest,
        `annotation ginkgo.live/cancel-order refused: ${why}`,
      );
    };
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      json = undefined;
      refused(`not JSON: ${raw.slice(0, 80)}`);
    }
    if (json !== undefined) {
      const parsed = CancelOrderAnnotation.safeParse(json);
      if (!parsed.success) refused(describeIssues(parsed.error).join('; '));
      else if (parsed.data.clientOrderId && !parsed.data.clientOrderId.startsWith(`${portfolio}-`)) {
        refused(
          `clientOrderId: ${parsed.data.clientOrderId} is not an order of portfolio ${portfolio} (<portfolio>-<sequence>)`,
        );
      } else {
        const a = parsed.data;
        const last = existing.at(-1);
        const same =
          last &&
          last.clientOrderId === a.clientOrderId &&
          !!last.all === !!a.all &&
          last.force === a.force &&
          last.reason === a.reason &&
          now.getTime() - Date.parse(last.requestedAt) < 60_000;
        if (!same) {
          const id = Math.max(ackId, ...existing.map((r) => r.id)) + 1;
          const req: CancelRequest = {
            id,
            ...(a.clientOrderId ? { clientOrderId: a.clientOrderId } : { all: true }),
            force: a.force,
            ...(a.reason ? { reason: a.reason } : {}),
            requestedAt: now.toISOString(),
          };
          pending = [...pending, req];
          out.accepted = req;
          const what = a.clientOrderId ? `cancel ${a.clientOrderId}` : 'cancel all open orders';
          out.condition = cond(
            true,
            orderInterventionReason.Requested,
            `request ${id}: ${what}${a.force ? ' (force)' : ''}`,
          );
        }
      }
    }
  }
  if (pending.length > orderIntervention.maxPending) {
    out.dropped = pending.length - orderIntervention.maxPending;
    pending = pending.slice(-orderIntervention.maxPending);
  }
  const changed = pending.length !== existing.length || pending.some((r, i) => r !== existing[i]);
  if (changed) out.cancelRequests = pending.length ? pending : null;
  if (!out.condition && existing.length && !pending.length && raw === undefined) {
    out.condition = cond(
      true,
      orderInterventionReason.Handled,
      `request ${ackId} handled${status.cancelAck?.message ? `: ${status.cancelAck.message}` : ''}`,
    );
  }
  return out;
}
