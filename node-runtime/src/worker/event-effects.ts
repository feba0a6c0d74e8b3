import type { CancelOrder, SubmitOrder } from '@ginkgo/contracts';
import type { HandleResult } from '@ginkgo/core';
import { crashPoint } from '../fault-injection.js';
import { orderFence, type PortfolioWorkerOptions } from './worker-options.js';

type EffectOptions = Pick<
  PortfolioWorkerOptions,
  'portfolioId' | 'nodeId' | 'epoch' | 'incarnation' | 'effects' | 'logger'
>;

/** A result that only records the event as dropped: nothing to send, nothing reached the strategy. */
export function droppedResult(eventId: string, reason: string): HandleResult {
  return { orders: [], cancels: [], signals: [], dropped: [{ eventId, reason }], alerts: [] };
}

/**
 * Sends out what handling one event produced, before its state is saved: orders and cancels (fenced with the
 * worker's epoch and node, so the gateway refuses those of a runner that lost the portfolio), then the
 * end-of-day settlement. Alerts and drops are logged. A crash between here and the save replays the event,
 * which derives the same order ids again.
 */
export async function publishEffects(result: HandleResult, opts: EffectOptions): Promise<void> {
  const { portfolioId, effects, logger } = opts;
  const fence = orderFence(opts);
  const orders: SubmitOrder[] = result.orders.map((o) => ({ type: 'submit', ...o, ...fence }));
  const cancels: CancelOrder[] = result.cancels.map((c) => ({ type: 'cancel', ...c, ...fence }));
  if (orders.length || cancels.length) {
    await effects.publish(orders, cancels);
    crashPoint('after-publish');
  }
  for (const alert of result.alerts) logger.warn({ portfolioId, alert }, 'portfolio alert');
  for (const d of result.dropped) logger.debug({ portfolioId, dropped: d }, 'event or signal dropped');
  if (orders.length || cancels.length) {
    logger.info(
      { portfolioId, orders: orders.map((o) => o.clientOrderId), cancels: cancels.map((c) => c.clientOrderId) },
      'orders sent',
    );
  }
  if (result.settlement && effects.publishSettlement) await effects.publishSettlement(result.settlement);
}
