import type { Logger, MessageBus } from '@ginkgo/platform';
import type { BrokerAdapter } from './broker-adapter.js';
import type { OrderLedger } from './order-ledger.js';
import type { GatewayMetrics } from './gateway-metrics.js';

export interface RetryPolicy {
  /** Tries in total (1 = no retry). */
  attempts: number;
  /** Wait before the first retry; doubles each time, up to maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs?: number;
}

export interface TradeGatewayOptions {
  market: string;
  bus: MessageBus;
  broker: BrokerAdapter;
  ledger: OrderLedger;
  logger: Logger;
  groupId?: string;
  /** Submits to an unreachable broker are retried this way, then answered with SUBMIT_FAILED. */
  submitRetry?: RetryPolicy;
  /** An order not finished this long after submission is cancelled at the broker. */
  orderTimeoutMs?: number;
  /** Consume `livecore.control.<market>` (manual cancel, reconcile). Default true. */
  control?: boolean;
  /** Reconcile the ledger with the broker before taking orders. Default true. */
  reconcileOnStart?: boolean;
  /** Close the broker adapter on stop (false when the broker outlives this gateway, as a real venue does). */
  closeBrokerOnStop?: boolean;
  /** How long stop() waits for orders already at the broker to be acknowledged. */
  drainTimeoutMs?: number;
  /** Prometheus metrics (createGatewayMetrics on the process registry); none when omitted. */
  metrics?: GatewayMetrics;
}
