import type { OrderEvent } from '@ginkgo/contracts';
import type { BrokerReport } from './broker-adapter.js';
import { TERMINAL_EVENTS } from './order-ledger.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The gateway's view of the orders it handed to the broker: which wait for an acknowledgement, which have no
 * final outcome yet, and the timers that cancel an order left unfinished too long.
 */
export class OrdersAtBroker {
  /** Orders handed to the broker and not yet acknowledged (accepted, rejected, filled...). */
  readonly awaitingAck = new Set<string>();
  /** Orders at the broker without a final outcome (the in-flight gauge). */
  readonly open = new Set<string>();
  private readonly timeouts = new Map<string, NodeJS.Timeout>();

  /** The order is being handed to the broker. */
  sending(clientOrderId: string): void {
    this.awaitingAck.add(clientOrderId);
    this.open.add(clientOrderId);
  }

  /** The broker call failed: the order is not at the broker. */
  notSent(clientOrderId: string): void {
    this.awaitingAck.delete(clientOrderId);
    this.open.delete(clientOrderId);
  }

  /** Orders still open from before a restart count as in flight until their outcome arrives. */
  restore(clientOrderIds: Iterable<string>): void {
    for (const id of clientOrderIds) this.open.add(id);
  }

  /** A report acknowledges the order (SUBMIT_FAILED is the gateway's own), and a final one ends its timer. */
  reported(r: BrokerReport): void {
    if (r.event !== 'SUBMIT_FAILED') this.awaitingAck.delete(r.clientOrderId);
    if (TERMINAL_EVENTS.has(r.event)) {
      const t = this.timeouts.get(r.clientOrderId);
      if (t) clearTimeout(t);
      this.timeouts.delete(r.clientOrderId);
    }
  }

  /** The in-flight set follows the events as recorded, so a report seen twice counts once. */
  recorded(e: OrderEvent): void {
    if (TERMINAL_EVENTS.has(e.event)) this.open.delete(e.clientOrderId);
  }

  /** Calls `fire` after `ms` unless a final report comes first; an order has one timer at most. */
  armTimer(clientOrderId: string, ms: number, fire: () => void): void {
    if (this.timeouts.has(clientOrderId)) return;
    const timer = setTimeout(() => {
      this.timeouts.delete(clientOrderId);
      fire();
    }, ms);
    timer.unref();
    this.timeouts.set(clientOrderId, timer);
  }

  clearTimers(): void {
    for (const t of this.timeouts.values()) clearTimeout(t);
    this.timeouts.clear();
  }

  /** Waits until the broker acknowledged every order handed to it, or the deadline passed; returns those still waiting. */
  async drain(deadline: number): Promise<string[]> {
    while (this.awaitingAck.size > 0 && Date.now() < deadline) await sleep(20);
    return [...this.awaitingAck];
  }
}
