import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import {
  portfolioAnnotations,
  portfolioResource,
  type PortfolioEventReason,
  type PortfolioResource,
} from '@ginkgo/contracts';
import { apiStatusCode, isNotFound, type KubeClients, type Logger } from '@ginkgo/platform';
import type { KubeObject } from './kube/informer.js';
import { applyMergePatch } from './kube/merge-patch.js';

export type Portfolio = PortfolioResource & KubeObject;

const mergePatch = () => setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const jsonPatch = () => setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
const annotationPath = (key: string) => `/metadata/annotations/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
const { group, version, plural } = portfolioResource;

/**
 * Events are best effort and must not compete with the decisions' writes: at most `eventsInFlight` are sent at
 * once (a burst of assignments would otherwise hold as many sockets and apiserver slots as the writes
 * themselves), at most `maxWaitingEvents` wait, and beyond that they are dropped.
 */
export const eventsInFlight = 4;
const maxWaitingEvents = 200;

export interface PortfolioWriterOptions {
  clients: KubeClients;
  namespace: string;
  logger: Logger;
  /** Takes what a write answered (or a refetch read) into the cache at once. */
  upsert: (p: Portfolio) => void;
  /** A fresh copy fetched after a conflict (the load index follows it). */
  onRefetched: (p: Portfolio) => void;
}

/**
 * Every write the operator makes on Portfolios, and their Events. Status and metadata are written whole,
 * guarded by the resourceVersion they were computed from; on a 409 the current copy is fetched into the cache,
 * so the retry decides on fresh data. Answers go into the cache at once.
 */
export class PortfolioWriter {
  private sendingEvents = 0;
  private readonly waitingEvents: Array<() => Promise<unknown>> = [];

  constructor(private readonly opts: PortfolioWriterOptions) {}

  /**
   * Status change (a merge patch) applied to `p`'s status and written whole with `p`'s resourceVersion as
   * precondition: the conditions list is replaced whole, so it must be computed from exactly this version (a
   * concurrent node write makes it 409, never lost). An update rather than a server-side merge patch: same
   * result on that version, and the apiserver does not re-encode and merge the stored object (its busiest path
   * when thousands of portfolios are assigned at once).
   */
  async patchStatus(p: Portfolio, status: Record<string, unknown>): Promise<Portfolio> {
    if (!p.metadata.resourceVersion)
      throw new Error(`portfolio ${p.metadata.name}: no resourceVersion to guard the status write`);
    return this.guarded(p, () =>
      this.opts.clients.custom.replaceNamespacedCustomObjectStatus({
        ...this.target(p),
        body: { ...p, status: applyMergePatch(p.status ?? {}, status) },
      }),
    );
  }

  /** Metadata change (finalizers) written as an update of `p` guarded by its resourceVersion (see patchStatus). */
  async patchMeta(p: Portfolio, metadata: Record<string, unknown>): Promise<Portfolio> {
    if (!p.metadata.resourceVersion)
      throw new Error(`portfolio ${p.metadata.name}: no resourceVersion to guard the write`);
    return this.guarded(p, () =>
      this.opts.clients.custom.replaceNamespacedCustomObject({
        ...this.target(p),
        body: { ...p, metadata: applyMergePatch(p.metadata, metadata) },
      }),
    );
  }

  /** Removes the cancel annotation only if it still holds the value we recorded (a newer one is kept). */
  async consumeCancelAnnotation(p: Portfolio, raw: string): Promise<void> {
    const path = annotationPath(portfolioAnnotations.cancelOrder);
    try {
      const updated = (await this.opts.clients.custom.patchNamespacedCustomObject(
        {
          ...this.target(p),
          body: [
            { op: 'test', path, value: raw },
            { op: 'remove', path },
          ],
        },
        jsonPatch(),
      )) as Portfolio;
      this.opts.upsert(updated);
    } catch (err) {
      // 422: the value changed meanwhile (a new request: the next reconcile takes it) or it is gone already.
      if (apiStatusCode(err) !== 422 && !isNotFound(err)) throw err;
    }
  }

  async clearRebalanceAnnotation(p: Portfolio): Promise<void> {
    try {
      await this.opts.clients.custom.patchNamespacedCustomObject(
        { ...this.target(p), body: { metadata: { annotations: { [portfolioAnnotations.rebalance]: null } } } },
        mergePatch(),
      );
    } catch (err) {
      this.opts.logger.debug({ err }, 'could not clear the rebalance annotation');
    }
  }

  /** Kubernetes Event for `kubectl describe pf` (best effort, bounded, behind the decisions' writes). */
  event(p: Portfolio, type: 'Normal' | 'Warning', reason: PortfolioEventReason, message: string): void {
    if (this.waitingEvents.length >= maxWaitingEvents) {
      this.opts.logger.debug({ portfolio: p.metadata.name, reason }, 'event dropped: too many waiting');
      return;
    }
    const now = new Date();
    const { namespace } = this.opts;
    this.waitingEvents.push(() =>
      this.opts.clients.core.createNamespacedEvent({
        namespace,
        body: {
          metadata: { generateName: `${p.metadata.name}.` },
          involvedObject: {
            apiVersion: portfolioResource.apiVersion,
            kind: portfolioResource.kind,
            name: p.metadata.name,
            namespace,
            ...(p.metadata.uid ? { uid: p.metadata.uid } : {}),
          },
          reason,
          message,
          type,
          source: { component: 'ginkgo-live-operator' },
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      }),
    );
    this.sendEvents();
  }

  private sendEvents(): void {
    while (this.sendingEvents < eventsInFlight && this.waitingEvents.length) {
      const send = this.waitingEvents.shift()!;
      this.sendingEvents++;
      void send()
        .catch((err: unknown) => this.opts.logger.debug({ err }, 'event not recorded'))
        .finally(() => {
          this.sendingEvents--;
          this.sendEvents();
        });
    }
  }

  private target(p: Portfolio) {
    return { group, version, plural, namespace: this.opts.namespace, name: p.metadata.name };
  }

  /** Runs a guarded write of `p` and caches its answer; on 409 fetches the current copy before failing. */
  private async guarded(p: Portfolio, write: () => Promise<unknown>): Promise<Portfolio> {
    try {
      const updated = (await write()) as Portfolio;
      this.opts.upsert(updated);
      return updated;
    } catch (err) {
      await this.refetchOnConflict(p, err);
      throw err;
    }
  }

  /** On 409 our cached copy is stale: fetch the current one so the retry decides on fresh data. */
  private async refetchOnConflict(p: Portfolio, err: unknown): Promise<void> {
    if (apiStatusCode(err) !== 409) return;
    try {
      const fresh = (await this.opts.clients.custom.getNamespacedCustomObject(this.target(p))) as Portfolio;
      this.opts.upsert(fresh);
      this.opts.onRefetched(fresh);
    } catch (e) {
      if (!isNotFound(e)) this.opts.logger.debug({ err: String(e) }, 'refetch failed');
    }
  }
}
