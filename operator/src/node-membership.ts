import type { Logger } from '@ginkgo/platform';
import { nodeFromLease, type LeaseLike, type NodeInfo, type OverloadPolicy } from './node-info.js';

/** What changed in the node set since the last look, and what the controller should do about it. */
export interface MembershipChange {
  /** Nodes whose liveness, draining, overload, markets or capacity changed (or that came or went). */
  changed: string[];
  /** Some node can take more than before: portfolios waiting for a node may find one now. */
  capacityUp: boolean;
  /** A node joined after the first full view: even the load out. */
  scaleOut: boolean;
  /** A live node changed the markets it serves: plan the balance again. */
  marketsChanged: boolean;
}

export interface NodeMembershipOptions {
  nodeLeaseGraceMs: number;
  overload: OverloadPolicy;
  logger: Logger;
  /** The operator's gauges fit; tests pass their own. */
  metrics: Record<'failoverDetectSeconds' | 'nodes', { set(labels: Record<string, string>, value: number): void }>;
}

const signature = (n: NodeInfo | undefined) =>
  n ? `${n.live}|${n.draining}|${n.overloaded}|${n.markets?.join(',') ?? '*'}|${n.capacity ?? ''}` : 'gone';
/** What a node can run: its components and their params schemas. */
const advertOf = (n: NodeInfo | undefined) =>
  n?.components ? JSON.stringify([[...n.components].sort(), [...(n.componentParams ?? [])]]) : '';
const eligible = (n?: NodeInfo) => !!n && n.live && !n.draining && !n.overloaded;

/** The execution nodes as their Leases show them, and how that changes from one look to the next. */
export class NodeMembership {
  private nodes = new Map<string, NodeInfo>();
  /** The Leases were listed once: a node seen after that is a scale-out, not one found at start. */
  private seen = false;

  constructor(private readonly opts: NodeMembershipOptions) {}

  get current(): ReadonlyMap<string, NodeInfo> {
    return this.nodes;
  }

  list(): NodeInfo[] {
    return [...this.nodes.values()];
  }

  /** Re-reads the Leases (`synced`: the Lease list is complete) and reports what changed. */
  refresh(leases: Iterable<LeaseLike>, synced: boolean, now = Date.now()): MembershipChange {
    const next = new Map<string, NodeInfo>();
    for (const l of leases) {
      const n = nodeFromLease(l, now, this.opts.nodeLeaseGraceMs, this.opts.overload);
      if (n) next.set(n.id, n);
    }
    const change: MembershipChange = { changed: [], capacityUp: false, scaleOut: false, marketsChanged: false };
    for (const id of new Set([...this.nodes.keys(), ...next.keys()])) {
      const before = this.nodes.get(id);
      const after = next.get(id);
      const advertChanged = advertOf(before) !== advertOf(after);
      if (signature(before) === signature(after) && !advertChanged) continue;
      change.changed.push(id);
      // A node that now runs other components (or other versions) may take what waited for them.
      if (advertChanged && after?.live) change.capacityUp = true;
      if (before?.live && !after?.live) this.reportLoss(id, after, now);
      if (eligible(after) && !eligible(before)) {
        change.capacityUp = true;
        if (this.seen && !before?.live) change.scaleOut = true;
      }
      if (after && before && after.capacity !== before.capacity) change.capacityUp = true;
      // A node publishes its markets after taking its Lease: a rebalance planned in between saw it as serving
      // every market; plan again with what it really serves (and give it a share of a market it starts serving).
      if (after?.live && before?.live && after.markets?.join(',') !== before.markets?.join(',')) {
        change.marketsChanged = true;
        change.capacityUp = true;
      }
    }
    this.nodes = next;
    if (synced) this.seen = true;
    return change;
  }

  /** Sets the node gauge: live, draining, overloaded and dead nodes. */
  updateStats(): void {
    const states = { live: 0, draining: 0, overloaded: 0, dead: 0 };
    for (const n of this.nodes.values()) {
      if (!n.live) states.dead++;
      else if (n.draining) states.draining++;
      else if (n.overloaded) states.overloaded++;
      else states.live++;
    }
    for (const [state, v] of Object.entries(states)) this.opts.metrics.nodes.set({ state }, v);
  }

  private reportLoss(id: string, after: NodeInfo | undefined, now: number): void {
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
}
