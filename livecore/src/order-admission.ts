import type { CancelOrder, SubmitOrder } from '@ginkgo/contracts';
import type { GatewayContext } from './gateway-context.js';

/**
 * Whether a submit goes to the broker: each order reaches it once (the ledger dedupes by client order id),
 * and only from the newest assignment epoch of its portfolio. A replayed order has its outcome re-sent instead.
 */
export async function admitSubmit(ctx: GatewayContext, order: SubmitOrder): Promise<boolean> {
  const { ledger, broker, logger } = ctx.opts;
  const admission = await ledger.admit(order);
  if (admission.kind === 'stale-epoch') {
    ctx.stats.fenced++;
    refuseFenced(ctx, order, admission.current, 'order from a fenced-off epoch refused');
    return false;
  }
  if (admission.kind === 'duplicate') {
    ctx.stats.duplicates++;
    ctx.meter.duplicate();
    // A replayed order: its outcome is re-sent (idempotent by event id), never re-traded...
    if (admission.events.length > 0) {
      await ctx.events.send(admission.events);
      return false;
    }
    // ...unless we crashed between admitting it and handing it to the broker.
    const known = await broker.order(order.clientOrderId).catch(() => undefined);
    if (known) return false;
    logger.warn({ clientOrderId: order.clientOrderId }, 'replayed order never reached the broker: submitting it now');
  }
  return true;
}

/**
 * Fencing as for submits: a node that lost the portfolio must not cancel what the new owner works with.
 * Returns false (and counts and logs it) for a cancel from an older epoch.
 */
export async function admitCancel(ctx: GatewayContext, cancel: CancelOrder): Promise<boolean> {
  const fence = await ctx.opts.ledger.observeEpoch(cancel.portfolioId, cancel.epoch, cancel.incarnation);
  if (!fence.stale) return true;
  ctx.stats.fencedCancels++;
  refuseFenced(ctx, cancel, fence.current, 'cancel from a fenced-off epoch refused: the order is left as it is');
  return false;
}

/** A submit or cancel from an assignment epoch older than the portfolio's newest: counted and logged. */
function refuseFenced(ctx: GatewayContext, m: SubmitOrder | CancelOrder, current: number, message: string): void {
  ctx.meter.fenced(m.type);
  ctx.opts.logger.warn(
    { clientOrderId: m.clientOrderId, portfolioId: m.portfolioId, nodeId: m.nodeId, epoch: m.epoch, current },
    message,
  );
}
