import { V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import { isConflict, isNotFound, type KubeClients } from './kube-clients.js';

export interface LeaseLockOptions {
  clients: KubeClients;
  namespace: string;
  name: string;
  identity: string;
  durationSeconds: number;
  labels?: Record<string, string>;
  /** Injected for tests; the wall clock by default (Lease times are wall-clock by design). */
  now?: () => Date;
}

/**
 * A coordination.k8s.io Lease held by one identity. Optimistic concurrency on
 * resourceVersion makes two contenders unable to both win. leaseTransitions serves
 * as a fencing token: it grows each time the holder changes.
 */
export class LeaseLock {
  private lease?: V1Lease;
  /** The acquire or renewal under way (release waits for it). */
  private renewing: Promise<void> = Promise.resolve();
  private readonly now: () => Date;

  constructor(private readonly opts: LeaseLockOptions) {
    this.now = opts.now ?? (() => new Date());
  }

  get held(): boolean {
    return this.lease?.spec?.holderIdentity === this.opts.identity && !this.expired(this.lease);
  }

  get transitions(): number {
    return this.lease?.spec?.leaseTransitions ?? 0;
  }

  private expired(lease: V1Lease | undefined): boolean {
    const renew = lease?.spec?.renewTime ?? lease?.spec?.acquireTime;
    if (!renew) return true;
    const duration = (lease?.spec?.leaseDurationSeconds ?? this.opts.durationSeconds) * 1000;
    return new Date(renew).getTime() + duration < this.now().getTime();
  }

  /** Acquires a free or expired lease, or renews ours. Returns whether we hold it now. */
  tryAcquireOrRenew(): Promise<boolean> {
    const run = this.acquireOrRenew();
    this.renewing = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async acquireOrRenew(): Promise<boolean> {
    const { coordination } = this.opts.clients;
    const { namespace, name, identity, durationSeconds } = this.opts;
    // Lease times are MicroTime: plain Date serialises with milliseconds, which the API refuses.
    const now = new V1MicroTime(this.now().getTime());
    let current: V1Lease | undefined;
    try {
      current = await coordination.readNamespacedLease({ name, namespace });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (!current) {
      try {
        this.lease = await coordination.createNamespacedLease({
          namespace,
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name, namespace, ...(this.opts.labels ? { labels: this.opts.labels } : {}) },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds: durationSeconds,
              acquireTime: now,
              renewTime: now,
              leaseTransitions: 0,
            },
          },
        });
        return true;
      } catch (err) {
        if (isConflict(err)) return false;
        throw err;
      }
    }
    const ours = current.spec?.holderIdentity === identity;
    if (!ours && current.spec?.holderIdentity && !this.expired(current)) {
      this.lease = current;
      return false;
    }
    const spec = current.spec ?? {};
    const body: V1Lease = {
      ...current,
      spec: {
        ...spec,
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        renewTime: now,
        acquireTime: ours && spec.acquireTime ? new V1MicroTime(new Date(spec.acquireTime).getTime()) : now,
        leaseTransitions: (spec.leaseTransitions ?? 0) + (ours ? 0 : 1),
      },
    };
    try {
      this.lease = await coordination.replaceNamespacedLease({ name, namespace, body });
      return true;
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
  }

  /**
   * Gives the lease up at once (graceful stop) so a successor need not wait for expiry. A renewal still under
   * way is waited for, and a conflict (that renewal wrote in between) is read again: a lost race must not
   * leave the lease held until it lapses.
   */
  async release(): Promise<void> {
    await this.renewing;
    if (!this.lease || this.lease.spec?.holderIdentity !== this.opts.identity) return;
    const { coordination } = this.opts.clients;
    try {
      for (let attempt = 0; ; attempt++) {
        const current = await coordination.readNamespacedLease({
          name: this.opts.name,
          namespace: this.opts.namespace,
        });
        if (current.spec?.holderIdentity !== this.opts.identity) return;
        try {
          await coordination.replaceNamespacedLease({
            name: this.opts.name,
            namespace: this.opts.namespace,
            // Released, not lapsed: no holder, renewed now and expiring at once (as client-go's leader election
            // releases). A Lease without a renew time would read as expired since 1970 to whoever measures from it.
            body: {
              ...current,
              spec: {
                ...current.spec,
                holderIdentity: '',
                leaseDurationSeconds: 1,
                renewTime: new V1MicroTime(this.now().getTime()),
              },
            },
          });
          return;
        } catch (err) {
          if (!isConflict(err) || attempt >= 3) throw err;
        }
      }
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    } finally {
      this.lease = undefined;
    }
  }
}
