import { portfolioEventReason } from '@ginkgo/contracts';
import type { Logger } from '@ginkgo/platform';
import type { Decision } from './assignment.js';
import type { OperatorMetrics } from './metrics.js';
import type { InterventionDecision } from './order-intervention.js';
import type { Portfolio, PortfolioWriter } from './portfolio-writer.js';

export interface DecisionReportOptions {
  writer: PortfolioWriter;
  logger: Logger;
  metrics: OperatorMetrics;
  /** Why trading is halted (read when the Halted Event is written). */
  haltReason: () => string;
}

/**
 * After a decision was written: the metrics, log lines and Kubernetes Events that say what it did (assignment,
 * hand-over, cancel requests, invalid spec, halt), and the cancel annotation removed now that its request is
 * recorded in the status.
 */
export async function reportDecision(
  updated: Portfolio,
  d: Decision,
  iv: InterventionDecision,
  cancelRaw: string | undefined,
  opts: DecisionReportOptions,
): Promise<void> {
  const { writer, logger } = opts;
  const name = updated.metadata.name;
  if (d.assigned) {
    const { node, epoch, reason, from } = d.assigned;
    opts.metrics.assignments.inc({ reason });
    logger.info({ portfolio: name, node, epoch, reason, from }, 'portfolio assigned');
    writer.event(
      updated,
      'Normal',
      reason,
      from ? `moved from ${from} to ${node} (epoch ${epoch})` : `assigned to ${node} (epoch ${epoch})`,
    );
  } else if (d.unassigned) {
    logger.info({ portfolio: name, from: d.unassigned.from, reason: d.unassigned.reason }, 'portfolio unassigned');
    writer.event(updated, 'Warning', d.unassigned.reason, `unassigned from ${d.unassigned.from}`);
  }
  if (d.handover) {
    const { from, to, reason } = d.handover;
    logger.info({ portfolio: name, from, to, reason }, 'hand-over started: waiting for the node to release');
    writer.event(
      updated,
      'Normal',
      portfolioEventReason.HandingOver,
      `${reason}: ${from} stops and persists, then ${to} takes over`,
    );
  }
  if (d.handoverTimedOut) {
    logger.warn({ portfolio: name, node: d.assigned?.from }, 'hand-over timed out: moved without the release');
    writer.event(
      updated,
      'Warning',
      portfolioEventReason.HandoverTimedOut,
      `${d.assigned?.from ?? 'the node'} did not release in time; moved anyway (epoch fencing)`,
    );
  }
  if (iv.accepted) {
    const r = iv.accepted;
    logger.info({ portfolio: name, request: r }, 'cancel request recorded');
    writer.event(
      updated,
      'Normal',
      portfolioEventReason.CancelRequested,
      `request ${r.id}: ${r.clientOrderId ? `cancel ${r.clientOrderId}` : 'cancel all open orders'}${r.force ? ' (force)' : ''}`,
    );
  }
  if (iv.refused) writer.event(updated, 'Warning', portfolioEventReason.InvalidCancelRequest, iv.refused);
  if (iv.dropped)
    writer.event(
      updated,
      'Warning',
      portfolioEventReason.CancelRequestsDropped,
      `${iv.dropped} unhandled cancel requests dropped (more than the limit waiting)`,
    );
  if (iv.consumeAnnotation) await writer.consumeCancelAnnotation(updated, cancelRaw!);
  if (d.patch.phase === 'Failed')
    writer.event(updated, 'Warning', portfolioEventReason.InvalidSpec, String(d.conditions[0]?.message));
  if (d.patch.phase === 'Halted')
    writer.event(updated, 'Warning', portfolioEventReason.Halted, opts.haltReason() || 'emergency stop');
}
