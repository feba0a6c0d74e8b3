import { Watch, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '@ginkgo/platform';

export interface KubeObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; [k: string]: unknown };
  [k: string]: unknown;
}

export type InformerEvent = 'add' | 'update' | 'delete';

/**
 * A list+watch cache: lists, then watches from the list's resourceVersion; re-watches from the last
 * seen resourceVersion when the server closes the stream, re-lists on 410 Gone (expired version) or
 * any error, with capped backoff; resyncs (re-lists) periodically so no missed event lasts.
 */
export class Informer<T extends KubeObject> {
  private readonly cache = new Map<string, T>();
  private resourceVersion = '';
  private controller?: AbortController;
  private stopped = false;
  private synced = false;
  private failures = 0;
  private retryTimer?: NodeJS.Timeout;
  private resyncTimer?: NodeJS.Timeout;
  private syncWaiters: Array<() => void> = [];

  constructor(
    private readonly opts: {
      config: KubeConfig;
      path: string;
      labelSelector?: string;
      fieldSelector?: string;
      list: () => Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>;
      onEvent: (type: InformerEvent, obj: T, old?: T) => void;
      logger: Logger;
      resyncMs?: number;
      what: string;
    },
  ) {}

  get hasSynced(): boolean {
    return this.synced;
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  get(name: string): T | undefined {
    return this.cache.get(name);
  }

  /** Puts a fresher object (from a write's answer) into the cache at once. */
  upsert(obj: T): void {
    slim(obj);
    const name = obj.metadata?.name;
    if (!name) return;
    const old = this.cache.get(name);
    if (old && newerOrEqual(old, obj)) return;
    this.cache.set(name, obj);
  }

  start(): void {
    this.stopped = false;
    void this.relist();
    const resync = this.opts.resyncMs ?? 60000;
    if (resync > 0) {
      this.resyncTimer = setInterval(() => {
        if (this.synced) this.restart('resync');
      }, resync);
      this.resyncTimer.unref();
    }
  }

  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    const c = this.controller;
    this.controller = undefined;
    c?.abort();
  }

  private restart(reason: string): void {
    this.opts.logger.debug({ what: this.opts.what, reason }, 'informer re-list');
    const c = this.controller;
    this.controller = undefined;
    c?.abort();
    void this.relist();
  }

  private scheduleRetry(fn: () => void): void {
    if (this.stopped) return;
    this.failures++;
    const delay = Math.min(5000, 100 * 2 ** Math.min(this.failures, 6));
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(fn, delay);
  }

  private async relist(): Promise<void> {
    if (this.stopped) return;
    let result;
    try {
      result = await this.opts.list();
    } catch (err) {
      this.opts.logger.warn({ what: this.opts.what, err }, 'list failed; retrying');
      this.scheduleRetry(() => void this.relist());
      return;
    }
    if (this.stopped) return;
    const seen = new Set<string>();
    for (const item of result.items) {
      slim(item);
      const name = item.metadata?.name;
      if (!name) continue;
      seen.add(name);
      const old = this.cache.get(name);
      this.cache.set(name, item);
      if (!old) this.opts.onEvent('add', item);
      else if (old.metadata?.resourceVersion !== item.metadata?.resourceVersion) this.opts.onEvent('update', item, old);
    }
    for (const [name, old] of this.cache) {
      if (!seen.has(name)) {
        this.cache.delete(name);
        this.opts.onEvent('delete', old);
      }
    }
    this.resourceVersion = result.metadata?.resourceVersion ?? '';
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
    await this.watch();
  }

  private async watch(): Promise<void> {
    if (this.stopped) return;
    let gone = false;
    const query: Record<string, string | number | boolean> = {
      allowWatchBookmarks: true,
      resourceVersion: this.resourceVersion,
      timeoutSeconds: 300,
    };
    if (this.opts.labelSelector) query.labelSelector = this.opts.labelSelector;
    if (this.opts.fieldSelector) query.fieldSelector = this.opts.fieldSelector;
    let mine: AbortController | undefined;
    let ended = false;
    const done = (err: unknown) => {
      ended = true;
      if (this.stopped) return;
      if (mine && this.controller !== mine) return; // replaced by a restart
      this.controller = undefined;
      if (gone) return this.scheduleRetry(() => void this.relist());
      if (err && (err as { name?: string }).name !== 'AbortError') {
        this.opts.logger.debug({ what: this.opts.what, err }, 'watch failed; re-listing');
        return this.scheduleRetry(() => void this.relist());
      }
      // Server closed the stream (timeout, or a new CRD's storage settling): continue from where we are.
      this.scheduleRetry(() => void this.watch());
    };
    try {
      mine = await new Watch(this.opts.config).watch(
        this.opts.path,
        query,
        (type: string, obj: T) => {
          if (type === 'ERROR') {
            // 410 Gone: our resourceVersion is too old; re-list.
            gone = true;
            mine?.abort();
            return;
          }
          const rv = obj.metadata?.resourceVersion;
          if (rv) this.resourceVersion = rv;
          if (type === 'BOOKMARK') return;
          this.failures = 0;
          slim(obj);
          const name = obj.metadata?.name;
          if (!name) return;
          const old = this.cache.get(name);
          if (type === 'DELETED') {
            this.cache.delete(name);
            this.opts.onEvent('delete', obj, old);
          } else {
            // An earlier write's answer may already be in the cache.
            if (old && newerOrEqual(old, obj) && old.metadata?.resourceVersion !== rv) return;
            this.cache.set(name, obj);
            this.opts.onEvent(old ? 'update' : 'add', obj, old);
          }
        },
        done,
      );
      if (this.stopped) mine.abort();
      else if (!ended) {
        this.controller = mine;
        this.failures = 0;
      }
    } catch (err) {
      this.opts.logger.debug({ what: this.opts.what, err }, 'watch could not start; re-listing');
      this.scheduleRetry(() => void this.relist());
    }
  }
}

/**
 * Drops metadata.managedFields: nothing here reads them, they are about half of a Portfolio's JSON, and with
 * 10,000 portfolios cached they would double the memory (client-go informers are commonly given the same
 * transform). Writes never send them, so the server keeps its own.
 */
function slim(obj: KubeObject): void {
  if (obj.metadata && 'managedFields' in obj.metadata) delete obj.metadata.managedFields;
}

/** resourceVersions are opaque, but etcd's are integers: use them to keep the freshest copy. */
function newerOrEqual(a: KubeObject, b: KubeObject): boolean {
  const ra = Number(a.metadata?.resourceVersion);
  const rb = Number(b.metadata?.resourceVersion);
  if (!Number.isFinite(ra) || !Number.isFinite(rb)) return false;
  return ra >= rb;
}
