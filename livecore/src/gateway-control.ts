import type { LivecoreCommand, LivecoreReply } from '@ginkgo/contracts';
import type { GatewayContext } from './gateway-context.js';
import { cancelOrder } from './order-cancel.js';
import { reconcile, type ReconcileReport } from './reconciler.js';

/** Compares the broker's view with the ledger and publishes the events that were missed (on start and on demand). */
export async function reconcileWithBroker(ctx: GatewayContext): Promise<ReconcileReport> {
  const report = await reconcile({
    market: ctx.opts.market,
    broker: ctx.opts.broker,
    ledger: ctx.opts.ledger,
    emit: (r) => ctx.events.enqueue(r),
  });
  await ctx.events.flushed();
  if (report.corrections.length || report.unknownAtGateway.length || report.positionDifferences.length) {
    ctx.opts.logger.warn({ report }, 'reconciliation found differences');
  }
  return report;
}

/** Carries out an operator command from livecore.control.<market> (manual cancel, reconcile) and says how it went. */
export async function answerCommand(ctx: GatewayContext, cmd: LivecoreCommand): Promise<LivecoreReply> {
  ctx.stats.commands++;
  const { logger, market } = ctx.opts;
  logger.info({ command: cmd }, 'control command');
  let reply: LivecoreReply;
  if (cmd.market !== market) {
    reply = {
      requestId: cmd.requestId,
      market,
      ok: false,
      error: `command for market ${cmd.market} sent to the ${market} engine`,
      ts: cmd.ts,
    };
  } else if (cmd.type === 'cancel') {
    const r = await cancelOrder(ctx, cmd.clientOrderId, cmd.ts, cmd.force, `${cmd.reason} (by ${cmd.requestedBy})`);
    reply = r.ok
      ? { requestId: cmd.requestId, market, ok: true, ts: cmd.ts }
      : { requestId: cmd.requestId, market, ok: false, error: r.error, ts: cmd.ts };
  } else {
    try {
      const report = await reconcileWithBroker(ctx);
      reply = { requestId: cmd.requestId, market, ok: true, result: { ...report }, ts: cmd.ts };
    } catch (err) {
      ctx.meter.brokerError('reconcile');
      reply = {
        requestId: cmd.requestId,
        market,
        ok: false,
        error: `reconciliation failed: ${String(err)}; nothing corrected`,
        ts: cmd.ts,
      };
    }
  }
  if (!reply.ok) logger.warn({ requestId: cmd.requestId, error: reply.error }, 'control command failed');
  return reply;
}
