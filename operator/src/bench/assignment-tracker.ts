import { Watch } from '@kubernetes/client-node';
import { portfolioResource } from '@ginkgo/contracts';
import type { KubeClients } from '@ginkgo/platform';

const { group, version, plural } = portfolioResource;

interface Item {
  metadata?: { name?: string; resourceVersion?: string };
  status?: { assignedNode?: string };
}

/**
 * Follows the assigned node of every Portfolio of a namespace through one watch (a 10,000-item list every
 * second would load the apiserver the bench measures). Records when each portfolio was first seen assigned.
 */
export class AssignmentTracker {
  readonly firstAssignedAt = new Map<string, number>();
  /** Changes of existing portfolios seen on the watch: every write that landed (the bench only creates). */
  modifications = 0;
  private readonly nodeOf = new Map<string, string>();
  private resourceVersion = '';
  private abort?: AbortController;
  private stopped = false;
  private waiters: Array<{ test: () => boolean; resolve: () => void }> = [];

  constructor(
    private readonly clients: KubeClients,
    private readonly namespace: string,
  ) {}

  async start(): Promise<void> {
    await this.relist();
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
  }

  get assigned(): number {
    return this.nodeOf.size;
  }

  countOn(node: string): number {
    let n = 0;
    for (const v of this.nodeOf.values()) if (v === node) n++;
    return n;
  }

  /** Resolves when `test` holds (checked after every event). */
  until(test: () => boolean): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  private see(type: string, obj: Item): void {
    const name = obj.metadata?.name;
    if (!name) return;
    if (type === 'MODIFIED') this.modifications++;
    const node = type === 'DELETED' ? undefined : obj.status?.assignedNode;
    if (node) {
      this.nodeOf.set(name, node);
      if (!this.firstAssignedAt.has(name)) this.firstAssignedAt.set(name, Date.now());
    } else this.nodeOf.delete(name);
  }

  private check(): void {
    if (!this.waiters.length) return;
    this.waiters = this.waiters.filter((w) => (w.test() ? (w.resolve(), false) : true));
  }

  private async relist(): Promise<void> {
    if (this.stopped) return;
    const { namespace } = this;
    let cont: string | undefined;
    do {
      const page = (await this.clients.custom.listNamespacedCustomObject({
        group,
        version,
        namespace,
        plural,
        limit: 2000,
        ...(cont ? { _continue: cont } : {}),
      })) as {
        items: Item[];
        metadata?: { continue?: string; resourceVersion?: string };
      };
      for (const item of page.items) this.see('ADDED', item);
      cont = page.metadata?.continue || undefined;
      this.resourceVersion = page.metadata?.resourceVersion ?? this.resourceVersion;
    } while (cont);
    this.check();
    await this.watch();
  }

  private async watch(): Promise<void> {
    if (this.stopped) return;
    let gone = false;
    const restart = (err?: unknown) => {
      if (this.stopped) return;
      setTimeout(() => void (gone || err ? this.relist() : this.watch()).catch(restart), 100);
    };
    try {
      this.abort = await new Watch(this.clients.config).watch(
        `/apis/${group}/${version}/namespaces/${this.namespace}/${plural}`,
        { resourceVersion: this.resourceVersion, allowWatchBookmarks: true },
        (type: string, obj: Item) => {
          if (type === 'ERROR') {
            gone = true;
            this.abort?.abort();
            return;
          }
          if (obj.metadata?.resourceVersion) this.resourceVersion = obj.metadata.resourceVersion;
          if (type !== 'BOOKMARK') this.see(type, obj);
          this.check();
        },
        (err: unknown) => restart(err && (err as { name?: string }).name !== 'AbortError' ? err : undefined),
      );
    } catch (err) {
      restart(err);
    }
  }
}
