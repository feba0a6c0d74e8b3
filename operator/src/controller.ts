import type { V1ConfigMap, V1Lease } from '@kubernetes/client-node';
import {
  PortfolioSpec,
  describeIssues,
  nodeLease,
  portfolioAnnotations,
  portfolioResource,
  tradingControl,
} from '@ginkgo/contracts';
import type { KubeClients, Logger } from '@ginkgo/platform';
import { decide } from './assignment.js';
import { reportDecision } from './decision-report.js';
import type { NodeInfo, OverloadPolicy } from './node-info.js';
import { requiredComponents } from './placement.js';
import { mergeConditions } from './portfolio-conditions.js';
import { Informer, type KubeObject } from './kube/informer.js';
import { LoadIndex } from './load-index.js';
import { AdvertisedParamsCheck } from './params-check.js';
import { NodeMembership } from './node-membership.js';
import { decideIntervention } from './order-intervention.js';
import { ensureFinalizer, releaseFinalizer } from './portfolio-finalizer.js';
import { PortfolioWriter, type Portfolio } from './portfolio-writer.js';
import { Rebalancer } from './rebalancer.js';
import { WorkQueue } from './work-queue.js';
import type { OperatorMetrics } from './metrics.js';

type Lease = V1Lease & KubeObject;
type ConfigMap = V1ConfigMap & KubeObject;

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
 * This class coordinates; the queue, the load index, node membership, the writes, the finalizer, the rebalance
 * planning and the reporting of decisions have their own modules.
 */
export class PortfolioController {
  readonly portfolios: Informer<Portfolio>;
  readonly leases: Informer<Lease>;
  readonly control: Informer<ConfigMap>;

  /** Reconciles run only while it runs: while this replica leads. */
  private readonly queue: WorkQueue;
  private readonly load = new LoadIndex();
  private readonly paramsCheck = new AdvertisedParamsCheck();
  private readonly membership: NodeMembership;
  private readonly writer: PortfolioWriter;
  /** Portfolios pending for want of a node: looked at again when some node can take more. */
  private readonly waiting = new Set<string>();
  private readonly rebalancer: Rebalancer;
  private tickTimer?: NodeJS.Timeout;
  private statsTimer?: NodeJS.Timeout;
  private resyncTimer?: NodeJS.Timeout;

  constructor(private readonly opts: ControllerOptions) {
    const { clients, namespace, logger, metrics } = opts;
    this.queue = new WorkQueue({
      process: (name) => this.reconcile(name),
      concurrency: opts.concurrency,
      timeoutMs: opts.reconcileTimeoutMs ?? 30000,
      logger,
      metrics,
    });
    this.membership = new NodeMembership({
      nodeLeaseGraceMs: opts.nodeLeaseGraceMs,
      overload: opts.overload,
      logger,
      metrics,
    });
    this.writer = new PortfolioWriter({
      clients,
      namespace,
      logger,
      upsert: (p) => this.portfolios.upsert(p),
      onRefetched: (p) => this.load.track(p),
    });
    this.rebalancer = new Rebalancer({
      logger,
      active: () => this.active,
      portfolios: () => this.portfolios.list(),
      nodeOf: (name) => this.load.nodeOf(name),
      nodes: () => this.membership.list(),
      enqueue: (name) => this.enqueue(name),
    });
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

  private get active(): boolean {
    return this.queue.active;
  }

  /** Leader only: reconcile everything now and on every change. */
  startLeading(): void {
    this.queue.start();
    void this.waitForSync().then(() => {
      if (!this.active) return;
      this.refreshNodes();
      for (const p of this.portfolios.list()) this.enqueue(p.metadata.name);
    });
  }

  stopLeading(): void {
    this.queue.stop();
  }

  async stop(): Promise<void> {
    this.stopLeading();
    if (this.tickTimer) clearInterval(this.tickTimer);
    if (this.statsTimer) clearInterval(this.statsTimer);
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.rebalancer.stop();
    this.portfolios.stop();
    this.leases.stop();
    this.control.stop();
    await this.idle();
  }

  /** Resolves when no reconcile is running or queued. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Reconciles a portfolio soon (once, however often it is asked; again after a run in progress). */
  enqueue(name: string): void {
    this.queue.add(name);
  }

  get halted(): { on: boolean; reason: string } {
    const cm = this.control.get(tradingControl.configMapName);
    const v = (cm?.data?.[tradingControl.haltedKey] ?? '').trim().toLowerCase();
    return { on: v === 'true' || v === '1' || v === 'yes', reason: cm?.data?.[tradingControl.reasonKey] ?? '' };
  }

  /** Node states as last computed (for tests and metrics). */
  nodeInfos(): NodeInfo[] {
    return this.membership.list();
  }

  /** Asks for a rebalance pass (annotation, scale-out). */
  requestRebalance(reason: string): void {
    this.rebalancer.request(reason);
  }

  // ---------------------------------------------------------------------------------------- events in

  private onPortfolio(type: 'add' | 'update' | 'delete', p: Portfolio): void {
    const name = p.metadata.name;
    if (type === 'delete') {
      this.load.remove(name);
      this.waiting.delete(name);
      this.rebalancer.forget(name);
      return;
    }
    this.load.track(p);
    if (this.active && p.metadata.annotations?.[portfolioAnnotations.rebalance] !== undefined) {
      void this.writer.clearRebalanceAnnotation(p);
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
    const { changed, scaleOut, marketsChanged } = this.membership.refresh(this.leases.list(), this.leases.hasSynced);
    if (!changed.length || !this.active) return;
    this.opts.logger.info({ changed }, 'node membership changed');
    const changedSet = new Set(changed);
    for (const name of this.load.portfoliosOn(changedSet)) this.enqueue(name);
    // The status itself too: the load index may lag behind a write whose answer was lost.
    for (const p of this.portfolios.list()) {
      const node = p.status?.assignedNode;
      if (node && changedSet.has(node)) this.enqueue(p.metadata.name);
    }
    // Waiting portfolios are judged against the nodes there are: any change (one that refused params gone, one
    // that has the components come) may place them.
    for (const name of this.waiting) this.enqueue(name);
    if (scaleOut) this.requestRebalance('scale-out');
    else if (marketsChanged) this.requestRebalance('node markets changed');
  }

  // ---------------------------------------------------------------------------------------- reconcile

  private async reconcile(name: string): Promise<void> {
    const p = this.portfolios.get(name);
    if (!p || !this.active) return;
    if (p.metadata.deletionTimestamp) return this.reconcileDeletion(p);
    await this.applyDecision(await ensureFinalizer(p, this.writer), false);
  }

  private async reconcileDeletion(p: Portfolio): Promise<void> {
    const released = await releaseFinalizer(p, { writer: this.writer, load: this.load, logger: this.opts.logger });
    // Wait for the node's answer; if its node is gone, give it to a live node so that one archives it.
    if (!released) await this.applyDecision(p, true);
  }

  private async applyDecision(p: Portfolio, deleting: boolean): Promise<void> {
    const name = p.metadata.name;
    this.load.track(p); // the load index follows the status we decide on
    const parsed = PortfolioSpec.safeParse(p.spec);
    const spec = parsed.success ? parsed.data : undefined;
    const preferredNode = this.rebalancer.preferredNode(name);
    const paramsError = spec && this.paramsCheck.problems(spec, this.membership.current.values());
    const d = decide({
      generation: p.metadata.generation ?? 0,
      deleting,
      ...(parsed.success ? {} : { specError: describeIssues(parsed.error).join('; ') }),
      ...(paramsError ? { paramsError } : {}),
      market: spec?.market ?? 'cn',
      stopWanted: !!spec && (spec.desiredState === 'Stopped' || spec.suspend === true),
      status: p.status ?? {},
      nodes: this.membership.current,
      counts: this.load.countsWithout(name),
      halted: this.halted,
      ...(preferredNode ? { preferredNode } : {}),
      handoverTimeoutMs: this.opts.handoverTimeoutMs ?? 0,
      ...(spec ? { required: requiredComponents(spec) } : {}),
      now: new Date(),
    });
    this.rebalancer.forget(name);
    if (d.waiting) this.waiting.add(name);
    else this.waiting.delete(name);
    // Manual cancel requests are recorded in the same guarded write as the decision (one version, no lost update).
    const cancelRaw = deleting ? undefined : p.metadata.annotations?.[portfolioAnnotations.cancelOrder];
    const iv = decideIntervention(name, cancelRaw, p.status ?? {}, p.metadata.generation ?? 0, new Date());
    if (iv.cancelRequests !== undefined) d.patch.cancelRequests = iv.cancelRequests;
    if (iv.condition) d.conditions.push(iv.condition);
    const conditions = mergeConditions(p.status?.conditions, d.conditions);
    if (!Object.keys(d.patch).length && !conditions) {
      if (d.recheckMs !== undefined) this.queue.addAfter(name, d.recheckMs);
      if (iv.consumeAnnotation) await this.writer.consumeCancelAnnotation(p, cancelRaw!);
      return;
    }
    // Reserve the decision's node before the write, so the next decisions count it.
    const before = this.load.nodeOf(name) ?? null;
    if (d.assigned) this.load.set(name, d.assigned.node);
    else if (d.unassigned) this.load.set(name, null);
    let updated: Portfolio;
    try {
      updated = await this.writer.patchStatus(p, { ...d.patch, ...(conditions ? { conditions } : {}) });
    } catch (err) {
      // The write may have landed even so (connection lost before the answer): count what the cache says now
      // (the watch event may already be in), not what we had before; later events keep it right.
      const now = this.portfolios.get(name);
      this.load.set(
        name,
        now && now.metadata.resourceVersion !== p.metadata.resourceVersion
          ? (now.status?.assignedNode ?? null)
          : before,
      );
      throw err;
    }
    if (d.recheckMs !== undefined) this.queue.addAfter(name, d.recheckMs);
    await reportDecision(updated, d, iv, cancelRaw, {
      writer: this.writer,
      logger: this.opts.logger,
      metrics: this.opts.metrics,
      haltReason: () => this.halted.reason,
    });
  }

  private updateStats(): void {
    const phases = new Map<string, number>();
    for (const p of this.portfolios.list()) {
      const ph = p.status?.phase ?? 'None';
      phases.set(ph, (phases.get(ph) ?? 0) + 1);
    }
    this.opts.metrics.portfolios.reset();
    for (const [phase, n] of phases) this.opts.metrics.portfolios.set({ phase }, n);
    this.membership.updateStats();
  }
}
