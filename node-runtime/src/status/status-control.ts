import type { CancelAck } from '@ginkgo/contracts';

/**
 * Node-owned status fields of the hand-over and order-intervention protocols (operator/README.md). Each write
 * goes out only while `status.assignedNode` is this node and `status.epoch` is `epoch`; false otherwise.
 */
export interface StatusControl {
  /** Hand-over: this epoch is stopped and persisted (`status.releasedEpoch`); undefined clears it (resumed). */
  released(portfolioId: string, epoch: number, releasedEpoch: number | undefined): Promise<boolean>;
  /** Manual cancels: every cancel request up to `ack.id` is handled (`status.cancelAck`). */
  acknowledgeCancels(portfolioId: string, epoch: number, ack: CancelAck): Promise<boolean>;
}
