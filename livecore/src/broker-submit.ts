import type { SubmitOrder } from '@ginkgo/contracts';
import { BrokerUnavailableError } from './broker-adapter.js';
import type { GatewayContext } from './gateway-context.js';
import { armOrderTimeout } from './order-cancel.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Hands an admitted order to the broker. An unreachable broker is retried with a doubling backoff (not once
 * the gateway stops); when that fails too, the portfolio gets SUBMIT_FAILED, so no order goes unanswered.
 */
export async function submitWithRetry(ctx: GatewayContext, order: SubmitOrder): Promise<void> {
  const { broker, logger } = ctx.opts;
  const policy = ctx.opts.submitRetry ?? { attempts: 3, backoffMs: 200 };
  let wait = policy.backoffMs;
  let lastError = '';
  for (let attempt = 1; attempt <= Math.max(1, policy.attempts); attempt++) {
    try {
      ctx.atBroker.sending(order.clientOrderId);
      await broker.submit(order);
      armOrderTimeout(ctx, order);
      return;
    } catch (err) {
      ctx.atBroker.notSent(order.clientOrderId);
      ctx.meter.brokerError('submit');
      lastError = err instanceof Error ? err.message : String(err);
      if (!(err instanceof BrokerUnavailableError) || attempt >= policy.attempts || ctx.stopping()) break;
      ctx.stats.retries++;
      logger.warn(
        { clientOrderId: order.clientOrderId, attempt, error: lastError, retryInMs: wait },
        'broker unreachable: retrying the submit',
      );
      await sleep(wait);
      wait = Math.min(wait * 2, policy.maxBackoffMs ?? 5000);
    }
  }
  ctx.stats.submitFailed++;
  logger.error(
    { clientOrderId: order.clientOrderId, error: lastError },
    'submit failed: SUBMIT_FAILED sent to the portfolio',
  );
  ctx.events.enqueue({
    clientOrderId: order.clientOrderId,
    event: 'SUBMIT_FAILED',
    reason: `${lastError} (after ${Math.max(1, policy.attempts)} attempts)`.slice(0, 500),
    ts: order.ts,
  });
}
