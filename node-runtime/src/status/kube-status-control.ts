import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { portfolioResource, type CancelAck } from '@ginkgo/contracts';
import { isNotFound, readPortfolio, type KubeClients, type Logger } from '@ginkgo/platform';
import type { StatusControl } from './status-control.js';

/**
 * Writes the node-owned `releasedEpoch` and `cancelAck` of a Portfolio's status. They are not conditions, so
 * a merge patch without resourceVersion is enough (portfolio-resource.ts); it goes out only after reading that
 * the assignment is still this node's with this epoch.
 */
export class KubeStatusControl implements StatusControl {
  constructor(private readonly opts: { clients: KubeClients; namespace: string; nodeId: string; logger: Logger }) {}

  released(portfolioId: string, epoch: number, releasedEpoch: number | undefined): Promise<boolean> {
    return this.patchOwned(portfolioId, epoch, { releasedEpoch: releasedEpoch ?? null });
  }

  acknowledgeCancels(portfolioId: string, epoch: number, ack: CancelAck): Promise<boolean> {
    return this.patchOwned(portfolioId, epoch, { cancelAck: ack });
  }

  private async patchOwned(portfolioId: string, epoch: number, fields: Record<string, unknown>): Promise<boolean> {
    const { clients, namespace, nodeId, logger } = this.opts;
    const { group, version, plural } = portfolioResource;
    try {
      const current = await readPortfolio(clients, namespace, portfolioId);
      if (current.status?.assignedNode !== nodeId || current.status.epoch !== epoch) {
        logger.info({ portfolioId, fields: Object.keys(fields), epoch }, 'not writing status: assignment moved');
        return false;
      }
      await clients.custom.patchNamespacedCustomObjectStatus(
        { group, version, namespace, plural, name: portfolioId, body: { status: fields } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      logger.warn({ portfolioId, fields: Object.keys(fields), err }, 'status patch failed');
      return false;
    }
  }
}
