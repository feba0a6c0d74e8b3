import type { OrderEventType, SubmitOrder } from '@ginkgo/contracts';

/** What a broker tells us about an order, before it becomes an OrderEvent on Kafka. */
export interface BrokerReport {
  clientOrderId: string;
  event: OrderEventType;
  brokerOrderId?: string;
  fillId?: string;
  fillVolume?: number;
  fillPrice?: number;
  reason?: string;
  ts: number;
}

/** One small interface per broker; the paper exchange is one implementation. */
export interface BrokerAdapter {
  readonly name: string;
  /** Sends an order; reports arrive through the listener (possibly before this resolves). */
  submit(order: SubmitOrder): Promise<void>;
  cancel(clientOrderId: string, ts: number): Promise<void>;
  onReport(listener: (report: BrokerReport) => void): void;
  close(): Promise<void>;
}

export class BrokerUnavailableError extends Error {
  constructor(broker: string, cause: string) {
    super(`broker ${broker} unavailable: ${cause}`);
    this.name = 'BrokerUnavailableError';
  }
}
