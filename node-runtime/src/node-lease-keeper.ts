import { nodeLease } from '@ginkgo/contracts';
import { LeaseLock, type KubeClients, type Logger } from '@ginkgo/platform';

/**
 * Holds the node's Lease (`node-<id>`): the operator treats the node as live while it is
 * renewed. When renewals fail for a whole lease duration the node must assume its
 * portfolios have moved and fence itself (onLost).
 */
export class NodeLeaseKeeper {
  private readonly lock: LeaseLock;
  private timer?: NodeJS.Timeout;
  private lastRenewed = 0;
  private lost = false;

  constructor(
    private readonly opts: {
      clients: KubeClients;
      namespace: string;
      nodeId: string;
      markets: string[];
      durationSeconds: number;
      logger: Logger;
      onLost: () => void;
      onRegained?: () => void;
    },
  ) {
    this.lock = new LeaseLock({
      clients: opts.clients,
      namespace: opts.namespace,
      name: `${nodeLease.namePrefix}${opts.nodeId}`,
      identity: opts.nodeId,
      durationSeconds: opts.durationSeconds,
      labels: { [nodeLease.labelRole]: nodeLease.roleValue },
    });
  }

  get held(): boolean {
    return !this.lost && this.lastRenewed > 0;
  }

  async start(): Promise<void> {
    await this.renew();
    const every = Math.max(500, (this.opts.durationSeconds * 1000) / 3);
    this.timer = setInterval(() => void this.renew(), every);
  }

  private async renew(): Promise<void> {
    try {
      const ok = await this.lock.tryAcquireOrRenew();
      if (ok) {
        this.lastRenewed = Date.now();
        if (this.lost) {
          this.lost = false;
          this.opts.logger.info('node lease regained');
          this.opts.onRegained?.();
        }
        return;
      }
      this.opts.logger.error('node lease is held by someone else');
    } catch (err) {
      this.opts.logger.warn({ err: String(err) }, 'node lease renewal failed');
    }
    if (!this.lost && Date.now() - this.lastRenewed > this.opts.durationSeconds * 1000) {
      this.lost = true;
      this.opts.logger.error('node lease lost: fencing this node');
      this.opts.onLost();
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.lock.release().catch(() => undefined);
  }
}
