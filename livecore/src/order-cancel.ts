import type { CancelOrder, SubmitOrder } from '@ginkgo/contracts';
import type { GatewayContext } from './gateway-context.js';
import { admitCancel } from './order-admission.js';
import { TERMINAL_EVENTS } from './order-ledger.js';

export type CancelResult = { ok: true } | { ok: false; error: string };

/** A cancel from orders.<market>: fenced like submits, and only for the portfolio's own orders. */
export async function onCancel(ctx: GatewayContext, cancel: CancelOrder): Promise<void> {
  const { ledger, logger } = ctx.opts;
  if (!(await admitCancel(ctx, cancel))) return;
  const order = await ledger.order(cancel.clientOrderId);
  if (order && order.portfolioId !== cancel.portfolioId) {
    logger.warn(
      { clientOrderId: cancel.clientOrderId, portfolioId: cancel.portfolioId, owner: order.portfolioId },
      'cancel refused: the order belongs to another portfolio',
    );
    return;
  }
  const result = await cancelOrder(
    ctx,
    cancel.clientOrderId,
    cancel.ts,
    cancel.force,
    cancel.reason || 'cancel requested by the portfolio',
  );
  if (!result.ok) logger.warn({ clientOrderId: cancel.clientOrderId, error: result.error }, 'cancel not carried out');
}

/**
 * Cancels one order. Plain: asks the broker, CANCELLED follows from its report. Force: records CANCELLED
 * for the portfolio at once and tells the broker best effort (manual intervention when the broker hangs).
 */
export async function cancelOrder(
  ctx: GatewayContext,
  clientOrderId: string,
  ts: number,
  force: boolean,
  reason: string,
): Promise<CancelResult> {
  const { ledger, broker } = ctx.opts;
  const order = await ledger.order(clientOrderId);
  if (!order) return { ok: false, error: `order ${clientOrderId} is unknown to the gateway; nothing changed` };
  const events = await ledger.events(clientOrderId);
  const terminal = events.find((e) => TERMINAL_EVENTS.has(e.event));
  if (terminal) return { ok: false, error: `order ${clientOrderId} is already ${terminal.event}; nothing changed` };
  ctx.stats.cancels++;
  if (force) {
    const filled = events.reduce((n, e) => n + (e.fillVolume ?? 0), 0);
    ctx.events.enqueue({
      clientOrderId,
      event: 'CANCELLED',
      reason: `forced: ${reason} (${filled}/${order.volume} filled)`.slice(0, 500),
      ts,
    });
    await ctx.events.flushed();
    try {
      await broker.cancel(clientOrderId, ts, reason);
    } catch (err) {
      ctx.meter.brokerError('cancel');
      ctx.opts.logger.warn(
        { clientOrderId, err },
        'forced cancel: broker not reachable, order marked cancelled anyway',
      );
    }
    return { ok: true };
  }
  try {
    const outcome = await broker.cancel(clientOrderId, ts, reason);
    return outcome.ok
      ? { ok: true }
      : { ok: false, error: `broker refused the cancel: ${outcome.reason}; nothing changed` };
  } catch (err) {
    ctx.meter.brokerError('cancel');
    return {
      ok: false,
      error: `${err instanceof Error ? err.message : String(err)}; the cancel was not sent, nothing changed`,
    };
  }
}

/** With orderTimeoutMs set, an order not finished that long after submission is cancelled at the broker. */
export function armOrderTimeout(ctx: GatewayContext, order: SubmitOrder): void {
  const ms = ctx.opts.orderTimeoutMs;
  if (ms === undefined) return;
  ctx.atBroker.armTimer(order.clientOrderId, ms, () => {
    void ctx.track(() => cancelTimedOut(ctx, order, ms));
  });
}

async function cancelTimedOut(ctx: GatewayContext, order: SubmitOrder, ms: number): Promise<void> {
  const { ledger, broker, logger } = ctx.opts;
  const events = await ledger.events(order.clientOrderId);
  if (events.some((e) => TERMINAL_EVENTS.has(e.event))) return;
  ctx.stats.timeouts++;
  const filled = events.reduce((n, e) => n + (e.fillVolume ?? 0), 0);
  const reason = `timeout: ${filled}/${order.volume} filled ${ms} ms after submission`;
  logger.warn({ clientOrderId: order.clientOrderId, reason }, 'order timed out: cancel sent to the broker');
  try {
    const outcome = await broker.cancel(order.clientOrderId, order.ts + ms, reason);
    if (!outcome.ok)
      logger.warn({ clientOrderId: order.clientOrderId, reason: outcome.reason }, 'timeout cancel refused');
  } catch (err) {
    ctx.meter.brokerError('cancel');
    logger.error({ clientOrderId: order.clientOrderId, err }, 'timeout cancel failed: broker unreachable');
  }
}
