import { PatchStrategy, setHeaderOptions, type V1ConfigMap, type V1Lease } from '@kubernetes/client-node';
import {
  PortfolioSpec,
  deletionHandshake,
  describeIssues,
  nodeLease,
  portfolioAnnotations,
  portfolioResource,
  tradingControl,
  type PortfolioResource,
} from '@ginkgo/contracts';
import { apiStatusCode, isNotFound, type KubeClients, type Logger } from '@ginkgo/platform';
import {
  decide,
  mergeConditions,
  nodeFromLease,
  requiredComponents,
  planRebalance,
  type NodeInfo,
  type OverloadPolicy,
  type Placement,
} from './assignment.js';
import { Informer, type KubeObject } from './kube/informer.js';
import { applyMergePatch } from './kube/merge-patch.js';
import { decideIntervention } from './order-intervention.js';
import type { OperatorMetrics } from './metrics.js';

type Portfolio = PortfolioResource & KubeObject;

/** Rejects after `ms` if `p` has not settled (the work itself cannot be cancelled). */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
/**
 * node-fetch (under @kubernetes/client-node) reports "Premature close" for a chunked answer whose keep-alive
 * socket was already handed to the next request: the write was answered, only its body was lost. About 1-3% of
 * writes under load; the retry decides on the cache (or 409 -> refetch), so it is not worth a warning.
 */
const isLostAnswer = (err: unknown) => String(err).includes('Premature close');
type Lease = V1Lease & KubeObject;
type ConfigMap = V1ConfigMap & KubeObject;

const mergePatch = () => setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const jsonPatch = () => setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
const annotationPath = (key: string) => `/metadata/annotations/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
const { group, version, plural } = portfolioResource;

export interface ControllerOptions {
  clients: KubeClients;
  namespace: string;
  logger: Logger;
  metrics: OperatorMetrics;
  concurrency: number;
  nodeLeaseGraceMs: number;
  overload: OverloadPolicy;
  resyncMs: number;
  /**
   * Full re-list of the portfolios (a safety net under the watch; default 10 min). The level-triggered pass
   * every resyncMs works from the cache: re-listing 10,000 objects every minute loads the apiserver for nothing.
   */
  relistMs?: number;
  /** Planned moves wait this long for the node's release (0 = move at once). */
  handoverTimeoutMs?: number;
  /**
   * A reconcile whose API call hangs (a keep-alive socket the server dropped without a reply) is abandoned
   * after this long and retried; its late write, if any, is guarded by resourceVersion.
   */
  reconcileTimeoutMs?: number;
  /** Node liveness re-evaluation period. */
  tickMs?: number;
}

/**
 * Reconciles Portfolios against node Leases and the trading control switch. Informers run on every
 * replica (warm standby); only the leader reconciles. Decisions are synchronous (no two reconciles can pick
 * the same slot); only the API writes run concurrently. Errors are retried per portfolio with backoff.
 */
export class PortfolioController {
  readonly portfolios: Informer<Portfolio>;
  readonly leases: Informer<Lease>;
  readonly control: Informer<ConfigMap>;

  private active = false;
  private readonly queue = new Set<string>();
  private readonly inFlight = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private workers = 0;
  /** portfolio -> node it is (being) assigned to: the load counts. */
  private readonly assignedOf = new Map<string, string>();
  private readonly counts = new Map<string, number>();
  private readonly waiting = new Set<string>();
  private readonly preferred = new Map<string, string>();
  private nodes = new Map<string, NodeInfo>();
  private nodesSeen = false;
  private tickTimer?: NodeJS.Timeout;
  private statsTimer?: NodeJS.Timeout;
  private resyncTimer?: NodeJS.Timeout;
  private rebalanceTimer?: NodeJS.Timeout;
  private idleWaiters: Array<() => void> = [];
  private pendingEvents = 0;

  constructor(private readonly opts: ControllerOptions) {
    const { clients, namespace, logger } = opts;
    this.portfolios = new Informer<Portfolio>({
      config: clients.config,
      path: `/apis/${group}/${version}/namespaces/${namespace}/${plural}`,
      list: () =>
        clients.custom.listNamespacedCustomObject({ group, version, namespace, plural }) as Promise<{
          items: Portfolio[];
        }>,
      onEvent: (type, obj) => this.onPortfolio(type, obj),
      logger,
      resyncMs: opts.relistMs ?? 600_000,
      what: 'portfolios',
    });
    this.leases = new Informer<Lease>({
      config: clients.config,
      path: `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`,
      labelSelector: `${nodeLease.labelRole}=${nodeLease.roleValue}`,
      list: () =>
        clients.coordination.listNamespacedLease({
          namespace,
          labelSelector: `${nodeLease.labelRole}=${nodeLease.roleValue}`,
        }) as Promise<{ items: Lease[] }>,
      onEvent: () => this.refreshNodes(),
      logger,
      resyncMs: opts.resyncMs,
      what: 'node leases',
    });
    this.control = new Informer<ConfigMap>({
      config: clients.config,
      path: `/api/v1/namespaces/${namespace}/configmaps`,
      fieldSelector: `metadata.name=${tradingControl.configMapName}`,
      list: () =>
        clients.core.listNamespacedConfigMap({
          namespace,
          fieldSelector: `metadata.name=${tradingControl.configMapName}`,
        }) as Promise<{ items: ConfigMap[] }>,
      onEvent: () => this.onControl(),
      logger,
      resyncMs: opts.resyncMs,
      what: 'trading control',
    });
  }

  start(): void {
    this.portfolios.start();
    this.leases.start();
    this.control.start();
    this.tickTimer = setInterval(() => this.refreshNodes(), this.opts.tickMs ?? 250);
    this.statsTimer = setInterval(() => this.updateStats(), 5000);
    this.statsTimer.unref();
    // Level-triggered safety net: look at every portfolio again now and then (a re-list emits only changes).
    if (this.opts.resyncMs > 0) {
      this.resyncTimer = setInterval(() => {
        for (const p of this.portfolios.list()) this.enqueue(p.metadata.name);
      }, this.opts.resyncMs);
      this.resyncTimer.unref();
    }
  }

  get synced(): boolean {
    return this.portfolios.hasSynced && this.leases.hasSynced && this.control.hasSynced;
  }

  async waitForSync(): Promise<void> {
    await Promise.all([this.portfolios.waitForSync(), this.leases.waitForSync(), this.control.waitForSync()]);
  }

  /** Leader only: reconcile everything now and on every change. */
  startLeading(): void {
    this.active = true;
    void this.waitForSync().then(() => {
      if (!this.active) return;
      this.refreshNodes();
      for (const p of this.portfolios.list()) this.enqueue(p.metadata.name);
    });
  }

  stopLeading(): void {
    this.active = false;
    this.queue.clear();
    this.dirty.clear();
    for (const t of this.retryTimers.values()) clearTimeout(t);
    this.retryTimers.clear();
    this.opts.metrics.queueDepth.set({}, 0);
  }

  async stop(): Promise<void> {
    this.stopLeading();
    if (this.tickTimer) clearInterval(this.tickTimer);
    if (this.statsTimer) clearInterval(this.statsTimer);
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    if (this.rebalanceTimer) clearTimeout(this.rebalanceTimer);
    this.portfolios.stop();
    this.leases.stop();
    this.control.stop();
    await this.idle();
  }

  /** Resolves when no reconcile is running or queued. */
  idle(): Promise<void> {
    if (this.workers === 0 && this.queue.size === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  get halted(): { on: boolean; reason: string } {
    const cm = this.control.get(tradingControl.configMapName);
    const v = (cm?.data?.[tradingControl.haltedKey] ?? '').trim().toLowerCase();
    return { on: v === 'true' || v === '1' || v === 'yes', reason: cm?.data?.[tradingControl.reasonKey] ?? '' };
  }

  /** Node states as last computed (for tests and metrics). */
  nodeInfos(): NodeInfo[] {
    return [...this.nodes.values()];
  }

  /** Asks for a rebalance pass (annotation, scale-out). */
  requestRebalance(reason: string): void {
    if (this.rebalanceTimer) return;
    this.rebalanceTimer = setTimeout(() => {
      this.rebalanceTimer = undefined;
      this.rebalance(reason);
    }, 200);
  }

  // ---------------------------------------------------------------------------------------- events in

  private onPortfolio(type: 'add' | 'update' | 'delete', p: Portfolio): void {
    const name = p.metadata.name;
    if (type === 'delete') {
      this.untrack(name);
      this.waiting.delete(name);
      this.preferred.delete(name);
      return;
    }
    this.track(p);
    if (this.active && p.metadata.annotations?.[portfolioAnnotations.rebalance] !== undefined) {
      void this.clearRebalanceAnnotation(p);
      this.requestRebalance(`annotation on ${name}`);
    }
    this.enqueue(name);
  }

  private onControl(): void {
    const h = this.halted;
    this.opts.metrics.halted.set({}, h.on ? 1 : 0);
    for (const p of this.portfolios.list()) this.enqueue(p.metadata.name);
  }

  private refreshNodes(): void {
    const now = Date.now();
    const next = new Map<string, NodeInfo>();
    for (const l of this.leases.list()) {
      const n = nodeFromLease(l, now, this.opts.nodeLeaseGraceMs, this.opts.overload);
      if (n) next.set(n.id, n);
    }
    const sig = (n: NodeInfo | undefined) =>
      n ? `${n.live}|${n.draining}|${n.overloaded}|${n.markets?.join(',') ?? '*'}|${n.capacity ?? ''}` : 'gone';
    const changed: string[] = [];
    let scaleOut = false;
    let capacityUp = false;
    let marketsChanged = false;
    for (const id of new Set([...this.nodes.keys(), ...next.keys()])) {
      const before = this.nodes.get(id);
      const after = next.get(id);
      if (sig(before) === sig(after)) continue;
      changed.push(id);
      if (before?.live && !after?.live) {
        // Detection time of a failover: from the Lease's expiry to now. A released Lease (graceful stop) or one
        // without a time is no lapse to measure.
        if (after && !after.released && after.expiresAt > 0) {
          const detect = Math.max(0, now - after.expiresAt) / 1000;
          this.opts.metrics.failoverDetectSeconds.set({}, detect);
          this.opts.logger.warn({ node: id, detectionSeconds: detect }, 'node lost: its portfolios fail over');
        } else {
          this.opts.logger.info({ node: id, released: after?.released ?? true }, 'node left: its portfolios move');
        }
      }
      const eligible = (n?: NodeInfo) => !!n && n.live && !n.draining && !n.overloaded;
      if (eligible(after) && !eligible(before)) {
        capacityUp = true;
        if (this.nodesSeen && !before?.live) scaleOut = true;
      }
      if (after && before && after.capacity !== before.capacity) capacityUp = true;
      // A node publishes its markets after taking its Lease: a rebalance planned in between saw it as serving
      // every market; plan again with what it really serves (and give it a share of a market it starts serving).
      if (after?.live && before?.live && after.markets?.join(',') !== before.markets?.join(',')) {
        marketsChanged = true;
        capacityUp = true;
      }
    }
    this.nodes = next;
    if (this.leases.hasSynced) this.nodesSeen = true;
    if (!changed.length || !this.active) return;
    this.opts.logger.info({ changed }, 'node membership changed');
    const changedSet = new Set(changed);
    for (const [name, node] of this.assignedOf) if (changedSet.has(node)) this.enqueue(name);
    // The status itself too: the load index may lag behind a write whose answer was lost.
    for (const p of this.portfolios.list()) {
      const node = p.status?.assignedNode;
      if (node && changedSet.has(node)) this.enqueue(p.metadata.name);
    }
    if (capacityUp) for (const name of this.waiting) this.enqueue(name);
    if (scaleOut) this.requestRebalance('scale-out');
    else if (marketsChanged) this.requestRebalance('node markets changed');
  }

  // ---------------------------------------------------------------------------------------- load index

  private track(p: Portfolio): void {
    const name = p.metadata.name;
    const node = p.status?.assignedNode;
    const prev = this.assignedOf.get(name);
    if (prev === node) return;
    if (prev) this.counts.set(prev, (this.counts.get(prev) ?? 1) - 1);
    if (node) {
      this.assignedOf.set(name, node);
      this.counts.set(node, (this.counts.get(node) ?? 0) + 1);
    } else this.assignedOf.delete(name);
  }

  private untrack(name: string): void {
    const prev = this.assignedOf.get(name);
    if (prev) this.counts.set(prev, (this.counts.get(prev) ?? 1) - 1);
    this.assignedOf.delete(name);
  }

  private reserve(name: string, node: string | null): void {
    const prev = this.assignedOf.get(name);
    if (prev) this.counts.set(prev, (this.counts.get(prev) ?? 1) - 1);
    if (node) {
      this.assignedOf.set(name, node);
      this.counts.set(node, (this.counts.get(node) ?? 0) + 1);
    } else this.assignedOf.delete(name);
  }

  private countsWithout(name: string): Map<string, number> {
    const c = new Map(this.counts);
    const mine = this.assignedOf.get(name);
    if (mine) c.set(mine, (c.get(mine) ?? 1) - 1);
    return c;
  }

  // ---------------------------------------------------------------------------------------- work queue

  enqueue(name: string): void {
    if (!this.active) return;
    if (this.inFlight.has(name)) {
      this.dirty.add(name);
      return;
    }
    this.queue.add(name);
    this.opts.metrics.queueDepth.set({}, this.queue.size);
    this.pump();
  }

  private pump(): void {
    while (this.active && this.workers < this.opts.concurrency && this.queue.size) {
      const name = this.queue.values().next().value as string;
      this.queue.delete(name);
      this.inFlight.add(name);
      this.workers++;
      const started = process.hrtime.bigint();
      void withTimeout(this.reconcile(name), this.opts.reconcileTimeoutMs ?? 30000, `reconcile of ${name}`)
        .then(
          () => {
            this.failures.delete(name);
            this.opts.metrics.reconciles.inc({ result: 'ok' });
          },
          (err: unknown) => {
            const n = (this.failures.get(name) ?? 0) + 1;
            this.failures.set(name, n);
            const delay = Math.min(30000, 200 * 2 ** Math.min(n - 1, 8));
            const code = apiStatusCode(err);
            this.opts.metrics.reconciles.inc({ result: code === 409 ? 'conflict' : isLostAnswer(err) ? 'lost_answer' : 'error' });
            (code === 409 || isLostAnswer(err) ? this.opts.logger.debug : this.opts.logger.warn).call(
              this.opts.logger,
              { portfolio: name, err: String(err), code, retryInMs: delay },
              'reconcile failed; will retry',
            );
            if (this.active) {
              clearTimeout(this.retryTimers.get(name));
              this.retryTimers.set(
                name,
                setTimeout(() => {
                  this.retryTimers.delete(name);
                  this.enqueue(name);
                }, code === 409 ? 20 : delay),
              );
            }
          },
        )
        .finally(() => {
          this.opts.metrics.reconcileSeconds.inc({}, Number(process.hrtime.bigint() - started) / 1e9);
          this.workers--;
          this.inFlight.delete(name);
          if (this.dirty.delete(name)) this.queue.add(name);
          this.opts.metrics.queueDepth.set({}, this.queue.size);
          this.pump();
          if (this.workers === 0 && this.queue.size === 0) for (const w of this.idleWaiters.splice(0)) w();
        });
    }
    if (!this.active && this.workers === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  // ---------------------------------------------------------------------------------------- reconcile

  private async reconcile(name: string): Promise<void> {
    let p = this.portfolios.get(name);
    if (!p || !this.active) return;
    if (p.metadata.deletionTimestamp) return this.reconcileDeletion(p);
    const finalizers = p.metadata.finalizers ?? [];
    if (!finalizers.includes(portfolioResource.finalizer)) {
      p = await this.patchMeta(p, { finalizers: [...finalizers, portfolioResource.finalizer] });
    }
    await this.applyDecision(p, false);
  }

  private async applyDecision(p: Portfolio, deleting: boolean): Promise<void> {
    const name = p.metadata.name;
    this.track(p); // the load index follows the status we decide on
    const parsed = PortfolioSpec.safeParse(p.spec);
    const spec = parsed.success ? parsed.data : undefined;
    const preferredNode = this.preferred.get(name);
    const d = decide({
      generation: p.metadata.generation ?? 0,
      deleting,
      ...(parsed.success ? {} : { specError: describeIssues(parsed.error).join('; ') }),
      market: spec?.market ?? 'cn',
      stopWanted: !!spec && (spec.desiredState === 'Stopped' || spec.suspend === true),
      status: p.status ?? {},
      nodes: this.nodes,
      counts: this.countsWithout(name),
      halted: this.halted,
      ...(preferredNode ? { preferredNode } : {}),
      handoverTimeoutMs: this.opts.handoverTimeoutMs ?? 0,
      ...(spec ? { required: requiredComponents(spec) } : {}),
      now: new Date(),
    });
    this.preferred.delete(name);
    if (d.waiting) this.waiting.add(name);
    else this.waiting.delete(name);
    // Manual order intervention (S6.11): recorded in the same guarded write as the decision.
    const cancelRaw = deleting ? undefined : p.metadata.annotations?.[portfolioAnnotations.cancelOrder];
    const iv = decideIntervention(name, cancelRaw, p.status ?? {}, p.metadata.generation ?? 0, new Date());
    if (iv.cancelRequests !== undefined) d.patch.cancelRequests = iv.cancelRequests;
    if (iv.condition) d.conditions.push(iv.condition);
    const conditions = mergeConditions(p.status?.conditions, d.conditions);
    if (!Object.keys(d.patch).length && !conditions) {
      if (d.recheckMs !== undefined) this.recheck(name, d.recheckMs);
      if (iv.consumeAnnotation) await this.consumeCancelAnnotation(p, cancelRaw!);
      return;
    }
    const before = this.assignedOf.get(name) ?? null;
    if (d.assigned) this.reserve(name, d.assigned.node);
    else if (d.unassigned) this.reserve(name, null);
    let updated: Portfolio;
    try {
      updated = await this.patchStatus(p, { ...d.patch, ...(conditions ? { conditions } : {}) });
    } catch (err) {
      // The write may have landed even so (connection lost before the answer): count what the cache says now
      // (the watch event may already be in), not what we had before; later events keep it right.
      const now = this.portfolios.get(name);
      this.reserve(name, now && now.metadata.resourceVersion !== p.metadata.resourceVersion ? (now.status?.assignedNode ?? null) : before);
      throw err;
    }
    if (d.assigned) {
      const { node, epoch, reason, from } = d.assigned;
      this.opts.metrics.assignments.inc({ reason });
      this.opts.logger.info({ portfolio: name, node, epoch, reason, from }, 'portfolio assigned');
      this.event(updated, 'Normal', reason, from ? `moved from ${from} to ${node} (epoch ${epoch})` : `assigned to ${node} (epoch ${epoch})`);
    } else if (d.unassigned) {
      this.opts.logger.info({ portfolio: name, from: d.unassigned.from, reason: d.unassigned.reason }, 'portfolio unassigned');
      this.event(updated, 'Warning', d.unassigned.reason, `unassigned from ${d.unassigned.from}`);
    }
    if (d.recheckMs !== undefined) this.recheck(name, d.recheckMs);
    if (d.handover) {
      const { from, to, reason } = d.handover;
      this.opts.logger.info({ portfolio: name, from, to, reason }, 'hand-over started: waiting for the node to release');
      this.event(updated, 'Normal', 'HandingOver', `${reason}: ${from} stops and persists, then ${to} takes over`);
    }
    if (d.handoverTimedOut) {
      this.opts.logger.warn({ portfolio: name, node: d.assigned?.from }, 'hand-over timed out: moved without the release');
      this.event(updated, 'Warning', 'HandoverTimedOut', `${d.assigned?.from ?? 'the node'} did not release in time; moved anyway (epoch fencing)`);
    }
    if (iv.accepted) {
      const r = iv.accepted;
      this.opts.logger.info({ portfolio: name, request: r }, 'cancel request recorded');
      this.event(updated, 'Normal', 'CancelRequested', `request ${r.id}: ${r.clientOrderId ? `cancel ${r.clientOrderId}` : 'cancel all open orders'}${r.force ? ' (force)' : ''}`);
    }
    if (iv.refused) this.event(updated, 'Warning', 'InvalidCancelRequest', iv.refused);
    if (iv.dropped) this.event(updated, 'Warning', 'CancelRequestsDropped', `${iv.dropped} unhandled cancel requests dropped (more than the limit waiting)`);
    if (iv.consumeAnnotation) await this.consumeCancelAnnotation(updated, cancelRaw!);
    if (d.patch.phase === 'Failed') this.event(updated, 'Warning', 'InvalidSpec', String(d.conditions[0]?.message));
    if (d.patch.phase === 'Halted') this.event(updated, 'Warning', 'Halted', this.halted.reason || 'emergency stop');
  }

  private async reconcileDeletion(p: Portfolio): Promise<void> {
    const finalizers = p.metadata.finalizers ?? [];
    if (!finalizers.includes(portfolioResource.finalizer)) return;
    const st = p.status ?? {};
    const acked = (st.conditions ?? []).some(
      (c) =>
        c.type === deletionHandshake.conditionType &&
        c.status === deletionHandshake.status &&
        c.reason === deletionHandshake.reason,
    );
    const forced = p.metadata.annotations?.[portfolioAnnotations.forceDelete] !== undefined;
    const neverRan = !st.assignedNode && !st.epoch;
    if (acked || forced || neverRan) {
      await this.patchMeta(p, { finalizers: finalizers.filter((f) => f !== portfolioResource.finalizer) });
      this.untrack(p.metadata.name);
      this.opts.logger.info({ portfolio: p.metadata.name, acked, forced, neverRan }, 'finalizer removed');
      this.event(p, 'Normal', 'Deleted', acked ? `stopped and archived by ${st.assignedNode ?? 'its node'}` : forced ? 'force-deleted' : 'never ran');
      return;
    }
    // Wait for the node's answer; if its node is gone, give it to a live node so that one archives it.
    await this.applyDecision(p, true);
  }

  /** Looks at a portfolio again later (hand-over timeout). */
  private recheck(name: string, ms: number): void {
    if (!this.active || this.retryTimers.has(name)) return;
    this.retryTimers.set(
      name,
      setTimeout(() => {
        this.retryTimers.delete(name);
        this.enqueue(name);
      }, ms),
    );
  }

  private rebalance(reason: string): void {
    if (!this.active) return;
    const placements: Placement[] = [];
    for (const p of this.portfolios.list()) {
      const node = this.assignedOf.get(p.metadata.name);
      if (!node || p.metadata.deletionTimestamp) continue;
      const spec = p.spec as { market?: string; desiredState?: string; suspend?: boolean } | undefined;
      if (spec?.desiredState === 'Stopped' || spec?.suspend) continue;
      // A hand-over in progress already counts on its target.
      placements.push({ name: p.metadata.name, market: spec?.market ?? 'cn', node: p.status?.handoverTo ?? node });
    }
    const moves = planRebalance(placements, [...this.nodes.values()]);
    this.opts.logger.info({ reason, moves: moves.length }, 'rebalance');
    for (const m of moves) {
      this.preferred.set(m.name, m.to);
      this.enqueue(m.name);
    }
  }

  // ---------------------------------------------------------------------------------------- writes

  /**
   * Status change (a merge patch) applied to `p`'s status and written whole with `p`'s resourceVersion as
   * precondition: the conditions list is replaced whole, so it must be computed from exactly this version (a
   * concurrent node write makes it 409, never lost). An update rather than a server-side merge patch: same
   * result on that version, and the apiserver does not re-encode and merge the stored object (its busiest path
   * when thousands of portfolios are assigned at once).
   */
  private async patchStatus(p: Portfolio, status: Record<string, unknown>): Promise<Portfolio> {
    if (!p.metadata.resourceVersion) throw new Error(`portfolio ${p.metadata.name}: no resourceVersion to guard the status write`);
    try {
      const updated = (await this.opts.clients.custom.replaceNamespacedCustomObjectStatus({
        group,
        version,
        plural,
        namespace: this.opts.namespace,
        name: p.metadata.name,
        body: { ...p, status: applyMergePatch(p.status ?? {}, status) },
      })) as Portfolio;
      this.portfolios.upsert(updated);
      return updated;
    } catch (err) {
      await this.refetchOnConflict(p, err);
      throw err;
    }
  }

  /** Metadata change (finalizers) written as an update of `p` guarded by its resourceVersion (see patchStatus). */
  private async patchMeta(p: Portfolio, metadata: Record<string, unknown>): Promise<Portfolio> {
    if (!p.metadata.resourceVersion) throw new Error(`portfolio ${p.metadata.name}: no resourceVersion to guard the write`);
    try {
      const updated = (await this.opts.clients.custom.replaceNamespacedCustomObject({
        group,
        version,
        plural,
        namespace: this.opts.namespace,
        name: p.metadata.name,
        body: { ...p, metadata: applyMergePatch(p.metadata, metadata) },
      })) as Portfolio;
      this.portfolios.upsert(updated);
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
      const fresh = (await this.opts.clients.custom.getNamespacedCustomObject({
        group,
        version,
        plural,
        namespace: this.opts.namespace,
        name: p.metadata.name,
      })) as Portfolio;
      this.portfolios.upsert(fresh);
      this.track(fresh);
    } catch (e) {
      if (!isNotFound(e)) this.opts.logger.debug({ err: String(e) }, 'refetch failed');
    }
  }

  /** Removes the cancel annotation only if it still holds the value we recorded (a newer one is kept). */
  private async consumeCancelAnnotation(p: Portfolio, raw: string): Promise<void> {
    const path = annotationPath(portfolioAnnotations.cancelOrder);
    try {
      const updated = (await this.opts.clients.custom.patchNamespacedCustomObject(
        {
          group,
          version,
          plural,
          namespace: this.opts.namespace,
          name: p.metadata.name,
          body: [
            { op: 'test', path, value: raw },
            { op: 'remove', path },
          ],
        },
        jsonPatch(),
      )) as Portfolio;
      this.portfolios.upsert(updated);
    } catch (err) {
      // 422: the value changed meanwhile (a new request: the next reconcile takes it) or it is gone already.
      if (apiStatusCode(err) !== 422 && !isNotFound(err)) throw err;
    }
  }

  private async clearRebalanceAnnotation(p: Portfolio): Promise<void> {
    try {
      await this.opts.clients.custom.patchNamespacedCustomObject(
        {
          group,
          version,
          plural,
          namespace: this.opts.namespace,
          name: p.metadata.name,
          body: { metadata: { annotations: { [portfolioAnnotations.rebalance]: null } } },
        },
        mergePatch(),
      );
    } catch (err) {
      this.opts.logger.debug({ err: String(err) }, 'could not clear the rebalance annotation');
    }
  }

  /** Kubernetes Event for `kubectl describe pf` (best effort, bounded). */
  private event(p: Portfolio, type: 'Normal' | 'Warning', reason: string, message: string): void {
    if (this.pendingEvents > 200) return;
    this.pendingEvents++;
    const now = new Date();
    void this.opts.clients.core
      .createNamespacedEvent({
        namespace: this.opts.namespace,
        body: {
          metadata: { generateName: `${p.metadata.name}.` },
          involvedObject: {
            apiVersion: portfolioResource.apiVersion,
            kind: portfolioResource.kind,
            name: p.metadata.name,
            namespace: this.opts.namespace,
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
      })
      .catch((err: unknown) => this.opts.logger.debug({ err: String(err) }, 'event not recorded'))
      .finally(() => this.pendingEvents--);
  }

  private updateStats(): void {
    const phases = new Map<string, number>();
    for (const p of this.portfolios.list()) {
      const ph = p.status?.phase ?? 'None';
      phases.set(ph, (phases.get(ph) ?? 0) + 1);
    }
    this.opts.metrics.portfolios.reset();
    for (const [phase, n] of phases) this.opts.metrics.portfolios.set({ phase }, n);
    const states = { live: 0, draining: 0, overloaded: 0, dead: 0 };
    for (const n of this.nodes.values()) {
      if (!n.live) states.dead++;
      else if (n.draining) states.draining++;
      else if (n.overloaded) states.overloaded++;
      else states.live++;
    }
    for (const [state, v] of Object.entries(states)) this.opts.metrics.nodes.set({ state }, v);
  }
}
