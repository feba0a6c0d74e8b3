import { LeaseLock, type KubeClients, type Logger } from '@ginkgo/platform';

export const leaderLeaseName = 'ginkgo-live-operator';

/**
 * Leader election on a coordination.k8s.io Lease, one leader at a time: renews every third of the duration; a leader that
 * cannot renew for a whole duration steps down before anyone else can take over.
 */
export class LeaderElector {
  private readonly lock: LeaseLock;
  private timer?: NodeJS.Timeout;
  private leading = false;
  private lastRenew = 0;
  private stopped = false;

  constructor(
    private readonly opts: {
      clients: KubeClients;
      namespace: string;
      identity: string;
      durationSeconds: number;
      logger: Logger;
      onStart: () => void;
      onStop: () => void;
      name?: string;
    },
  ) {
    this.lock = new LeaseLock({
      clients: opts.clients,
      namespace: opts.namespace,
      name: opts.name ?? leaderLeaseName,
      identity: opts.identity,
      durationSeconds: opts.durationSeconds,
      labels: { 'app.kubernetes.io/name': 'ginkgo-live-operator' },
    });
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    const every = Math.max(200, (this.opts.durationSeconds * 1000) / 3);
    const tick = async () => {
      if (this.stopped) return;
      try {
        const ok = await this.lock.tryAcquireOrRenew();
        if (ok) this.lastRenew = Date.now();
        if (ok && !this.leading) {
          this.leading = true;
          this.opts.logger.info({ identity: this.opts.identity }, 'became leader');
          this.opts.onStart();
        } else if (!ok && this.leading) {
          this.stepDown('lease taken by another replica');
        }
      } catch (err) {
        this.opts.logger.warn({ err }, 'leader lease renewal failed');
        // Step down a little before the lease can expire for the others.
        if (this.leading && Date.now() - this.lastRenew > this.opts.durationSeconds * 1000 * 0.8) {
          this.stepDown('could not renew the leader lease');
        }
      }
      if (!this.stopped) this.timer = setTimeout(() => void tick(), this.leading ? every : Math.min(every, 1000));
    };
    void tick();
  }

  private stepDown(why: string): void {
    this.leading = false;
    this.opts.logger.warn({ why }, 'lost leadership');
    this.opts.onStop();
  }

  /** Stops campaigning and releases the Lease so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.leading) {
      this.leading = false;
      this.opts.onStop();
    }
    await this.lock.release().catch((err: unknown) => this.opts.logger.warn({ err }, 'lease release failed'));
  }
}
