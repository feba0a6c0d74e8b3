import type { GatewayMeter } from './gateway-meter.js';
import type { TradeGatewayOptions } from './gateway-options.js';
import type { OrderEventPublisher } from './order-event-publisher.js';
import type { OrdersAtBroker } from './orders-at-broker.js';

export const newGatewayStats = () => ({
  submitted: 0,
  duplicates: 0,
  fenced: 0,
  fencedCancels: 0,
  events: 0,
  submitFailed: 0,
  retries: 0,
  timeouts: 0,
  cancels: 0,
  commands: 0,
});

export type GatewayStats = ReturnType<typeof newGatewayStats>;

/** What the parts of one trade gateway share: its options, counters, orders at the broker and event stream. */
export interface GatewayContext {
  readonly opts: TradeGatewayOptions;
  readonly stats: GatewayStats;
  readonly meter: GatewayMeter;
  readonly atBroker: OrdersAtBroker;
  readonly events: OrderEventPublisher;
  /** Runs work that stop() waits for. */
  track<T>(fn: () => Promise<T>): Promise<T>;
  /** stop() was called: no more retries. */
  stopping(): boolean;
}
