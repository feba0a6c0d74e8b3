import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { NodeLoad, nodeLease, type ComponentAdvert } from '@ginkgo/contracts';
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
      /** Load for the `ginkgo.live/load` annotation (the operator balances on it). */
      load?: () => NodeLoad;
      /** Components this node can run, for the `ginkgo.live/components` annotation. */
      components?: ComponentAdvert[];
      /** Draining: no new portfolios (`ginkgo.live/draining`). */
      draining?: () => boolean;
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

  /**
   * Safe to send orders (fencing, also while the API server is unreachable): the last renewal is younger than two thirds of the Lease
   * duration, so the node stops trading well before anyone else may take its portfolios over.
   */
  get safe(): boolean {
    return this.held && Date.now() - this.lastRenewed < (this.opts.durationSeconds * 1000 * 2) / 3;
  }

  private lastAnnotations = '';

  /** True once this node itself wrote the draining annotation (only then may it remove it again). */
  private drainingSetByMe = false;

  /**
   * Markets and load as Lease annotations; written only when they changed. The merge patch names only the
   * annotations the node owns: `ginkgo.live/draining` set by someone else (kubectl) is never touched, and the
   * node removes it only if it wrote it itself.
   */
  private async annotate(): Promise<void> {
    const { clients, namespace, nodeId, markets } = this.opts;
    const annotations: Record<string, string | null> = {
      [nodeLease.marketsAnnotation]: markets.join(','),
      [nodeLease.loadAnnotation]: JSON.stringify(NodeLoad.parse(this.opts.load?.() ?? {})),
    };
    if (this.opts.components) annotations[nodeLease.componentsAnnotation] = JSON.stringify(this.opts.components);
    const draining = this.opts.draining?.() ?? false;
    if (draining) annotations[nodeLease.drainingAnnotation] = 'true';
    else if (this.drainingSetByMe) annotations[nodeLease.drainingAnnotation] = null;
    const key = JSON.stringify(annotations);
    if (key === this.lastAnnotations) return;
    await clients.coordination.patchNamespacedLease(
      { name: `${nodeLease.namePrefix}${nodeId}`, namespace, body: { metadata: { annotations } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    this.lastAnnotations = key;
    this.drainingSetByMe = draining;
  }

  async start(): Promise<void> {
    await this.renew();
    const every = Math.max(500, (this.opts.durationSeconds * 1000) / 3);
    this.timer = setInterval(() => void this.renew(), every);
  }

  private async renew(): Promise<void> {
    // The renewTime the server stores is taken before the call: measure safety from there.
    const attemptedAt = Date.now();
    try {
      const ok = await this.lock.tryAcquireOrRenew();
      if (ok) {
        this.lastRenewed = attemptedAt;
        await this.annotate().catch((err: unknown) => this.opts.logger.warn({ err }, 'lease annotations not written'));
        if (this.lost) {
          this.lost = false;
          this.opts.logger.info('node lease regained');
          this.opts.onRegained?.();
        }
        return;
      }
      this.opts.logger.error('node lease is held by someone else');
    } catch (err) {
      this.opts.logger.warn({ err }, 'node lease renewal failed');
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
