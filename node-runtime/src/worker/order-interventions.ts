import type { CancelOrder } from '@ginkgo/contracts';
import type { PortfolioEngine } from '@ginkgo/core';
import { orderFence, type PortfolioWorkerOptions } from './worker-options.js';

type InterventionOptions = Pick<
  PortfolioWorkerOptions,
  'portfolioId' | 'nodeId' | 'epoch' | 'incarnation' | 'effects' | 'logger'
>;

/** A manual cancel request from the Portfolio's status: one order of this portfolio, or every open one. */
export interface CancelRequestInput {
  clientOrderId?: string | undefined;
  all?: boolean | undefined;
  force: boolean;
  reason?: string | undefined;
}

/** The epoch and node every order message carries: the gateway refuses those of a runner that lost the portfolio. */
export type OrderFence = Pick<CancelOrder, 'epoch' | 'nodeId' | 'incarnation'>;

/** Emergency stop: a cancel for every open order, and the orders the engine would not cancel (with why). */
export function cancelsOnHalt(
  engine: PortfolioEngine,
  fence: OrderFence,
): { cancels: CancelOrder[]; refused: { clientOrderId: string; error: string }[] } {
  const view = engine.view();
  const ts = view.lastEventTs ?? 0;
  const cancels: CancelOrder[] = [];
  const refused: { clientOrderId: string; error: string }[] = [];
  for (const o of view.openOrders) {
    const r = engine.requestCancel(o.clientOrderId, ts, false, 'trading halted');
    if ('error' in r) refused.push({ clientOrderId: o.clientOrderId, error: r.error });
    else cancels.push({ type: 'cancel', ...r, ...fence });
  }
  return { cancels, refused };
}

/** Manual cancels: the engine marks each targeted open order; notes say what was not cancelled and why. */
export function manualCancels(
  engine: PortfolioEngine,
  requests: CancelRequestInput[],
  fence: OrderFence,
): { cancels: CancelOrder[]; notes: string[] } {
  const ts = engine.view().lastEventTs ?? 0;
  const cancels: CancelOrder[] = [];
  const notes: string[] = [];
  for (const r of requests) {
    const targets = r.all
      ? engine.view().openOrders.map((o) => o.clientOrderId)
      : r.clientOrderId
        ? [r.clientOrderId]
        : [];
    if (r.all && targets.length === 0) notes.push('no open orders');
    for (const id of targets) {
      const c = engine.requestCancel(id, ts, r.force, r.reason ?? 'manual cancel');
      // An unknown or already closed order is not an error: it is simply not open any more.
      if ('error' in c) notes.push(`${id} not cancelled: ${c.error}`);
      else cancels.push({ type: 'cancel', ...c, ...fence });
    }
  }
  return { cancels, notes };
}

/** The message of a cancel acknowledgement: what was sent, then the notes (bounded for the status field). */
export function cancelAckMessage(cancels: CancelOrder[], notes: string[]): string {
  const force = cancels.some((c) => c.force) ? ' (force)' : '';
  const sent = cancels.length
    ? `cancel sent for ${cancels.map((c) => c.clientOrderId).join(', ')}${force}`
    : 'no cancel sent';
  return [sent, ...notes].join('; ').slice(0, 1000);
}

/** Emergency stop: cancels every open order the engine lets go and publishes them. The caller saves the state. */
export async function cancelOpenOrdersOnHalt(engine: PortfolioEngine, opts: InterventionOptions): Promise<void> {
  const { portfolioId, logger } = opts;
  const { cancels, refused } = cancelsOnHalt(engine, orderFence(opts));
  for (const r of refused)
    logger.warn({ portfolioId, clientOrderId: r.clientOrderId, error: r.error }, 'cancel on halt refused');
  if (cancels.length) await opts.effects.publish([], cancels);
  logger.warn({ portfolioId, cancels: cancels.map((c) => c.clientOrderId) }, 'trading halted: open orders cancelled');
}

/**
 * Manual cancel requests: the engine marks each targeted open order, the cancels are published. Returns the
 * acknowledgement message. The caller saves the state.
 */
export async function sendManualCancels(
  engine: PortfolioEngine,
  requests: CancelRequestInput[],
  opts: InterventionOptions,
): Promise<string> {
  const { portfolioId, logger } = opts;
  const { cancels, notes } = manualCancels(engine, requests, orderFence(opts));
  if (cancels.length) await opts.effects.publish([], cancels);
  logger.warn({ portfolioId, cancels: cancels.map((c) => c.clientOrderId), notes }, 'manual cancel requests handled');
  return cancelAckMessage(cancels, notes);
}
