import { ComponentAdvert, NodeLoad, nodeLease, type Condition, type PortfolioPhase, type PortfolioStatus } from '@ginkgo/contracts';

/** What the operator knows about one execution node, from its Lease. */
export interface NodeInfo {
  id: string;
  /** Markets served; null = every market. */
  markets: string[] | null;
  /** Lease held and unexpired (plus grace). */
  live: boolean;
  draining: boolean;
  overloaded: boolean;
  queueDepth: number;
  capacity?: number;
  /** Epoch ms when the Lease expires (renewTime + duration); 0 when it carries no time. */
  expiresAt: number;
  /** The node gave its Lease up (graceful stop): no holder, or another one. */
  released?: boolean;
  /** Components the node advertised as `<kind>:<name>`; null = not advertised (a node from before adverts: runs anything). */
  components?: ReadonlySet<string> | null;
}

/** The components a spec needs, as `<kind>:<name>` (how nodes advertise them). */
export function requiredComponents(spec: { strategy: { name: string }; riskManagers: { name: string }[]; sizer: { name: string } }): string[] {
  return [`strategy:${spec.strategy.name}`, ...spec.riskManagers.map((r) => `risk:${r.name}`), `sizer:${spec.sizer.name}`];
}

/** The required components a node lacks (none when it did not advertise any). */
export function missingOn(node: NodeInfo, required: readonly string[] | undefined): string[] {
  if (!required || !node.components) return [];
  return required.filter((c) => !node.components!.has(c));
}

function parseComponents(value: string | undefined): Set<string> | null {
  if (!value) return null;
  try {
    const r = ComponentAdvert.array().safeParse(JSON.parse(value));
    return r.success ? new Set(r.data.map((c) => `${c.kind}:${c.name}`)) : null;
  } catch {
    return null;
  }
}

export interface LeaseLike {
  metadata?: { name?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    renewTime?: Date | string;
    acquireTime?: Date | string;
  };
}

export interface OverloadPolicy {
  cpu: number;
  memory: number;
  queueDepth: number;
}

export const defaultOverloadPolicy: OverloadPolicy = { cpu: 0.9, memory: 0.9, queueDepth: 1000 };

export function parseLoad(value: string | undefined): NodeLoad {
  if (!value) return {};
  try {
    const r = NodeLoad.safeParse(JSON.parse(value));
    return r.success ? r.data : {};
  } catch {
    return {};
  }
}

/** Reads a node Lease (`node-<id>`, holderIdentity = id). Returns undefined for a Lease that is not a node's. */
export function nodeFromLease(
  lease: LeaseLike,
  now: number,
  graceMs = 0,
  policy: OverloadPolicy = defaultOverloadPolicy,
): NodeInfo | undefined {
  const name = lease.metadata?.name ?? '';
  if (!name.startsWith(nodeLease.namePrefix)) return undefined;
  const id = name.slice(nodeLease.namePrefix.length);
  const spec = lease.spec ?? {};
  const renew = spec.renewTime ?? spec.acquireTime;
  const expiresAt = renew ? new Date(renew).getTime() + (spec.leaseDurationSeconds ?? 0) * 1000 : 0;
  const held = spec.holderIdentity === id;
  const ann = lease.metadata?.annotations ?? {};
  const marketsRaw = (ann[nodeLease.marketsAnnotation] ?? '').trim();
  const markets = marketsRaw ? marketsRaw.split(',').map((m) => m.trim()).filter(Boolean) : null;
  const drainingRaw = ann[nodeLease.drainingAnnotation];
  const draining = drainingRaw !== undefined && drainingRaw !== 'false';
  const load = parseLoad(ann[nodeLease.loadAnnotation]);
  const overloaded =
    load.overloaded === true ||
    (load.cpu ?? 0) >= policy.cpu ||
    (load.memory ?? 0) >= policy.memory ||
    (load.queueDepth ?? 0) >= policy.queueDepth;
  return {
    id,
    markets,
    live: held && expiresAt + graceMs > now,
    draining,
    overloaded,
    queueDepth: load.queueDepth ?? 0,
    ...(load.capacity !== undefined ? { capacity: load.capacity } : {}),
    expiresAt,
    components: parseComponents(ann[nodeLease.componentsAnnotation]),
    released: !held,
  };
}

export const servesMarket = (node: NodeInfo, market: string) => node.markets === null || node.markets.includes(market);

/** Can take a new portfolio of this market (live, not draining, not overloaded, under capacity). */
export function acceptsNew(node: NodeInfo, market: string, count: number, required?: readonly string[]): boolean {
  return (
    missingOn(node, required).length === 0 &&
    node.live &&
    !node.draining &&
    !node.overloaded &&
    servesMarket(node, market) &&
    (node.capacity === undefined || count < node.capacity)
  );
}

/** The least-loaded node that accepts a new portfolio: fewest portfolios, then shortest queue, then id. */
export function pickNode(
  market: string,
  nodes: Iterable<NodeInfo>,
  counts: ReadonlyMap<string, number>,
  exclude?: string,
  required?: readonly string[],
): NodeInfo | undefined {
  let best: NodeInfo | undefined;
  let bestCount = Infinity;
  for (const n of nodes) {
    if (n.id === exclude) continue;
    const c = counts.get(n.id) ?? 0;
    if (!acceptsNew(n, market, c, required)) continue;
    if (
      !best ||
      c < bestCount ||
      (c === bestCount && (n.queueDepth < best.queueDepth || (n.queueDepth === best.queueDepth && n.id < best.id)))
    ) {
      best = n;
      bestCount = c;
    }
  }
  return best;
}

export interface Placement {
  name: string;
  market: string;
  node: string;
}

export interface Move {
  name: string;
  from: string;
  to: string;
}

/**
 * Moves that even out portfolio counts (scale-out, manual rebalance): repeatedly move one portfolio from the
 * fullest node to the emptiest node that accepts its market, while the difference exceeds one. Draining,
 * dead and overloaded nodes receive nothing. Deterministic: the last portfolio by name moves first.
 */
export function planRebalance(placements: Placement[], nodes: NodeInfo[], maxMoves = Infinity): Move[] {
  const byNode = new Map<string, Placement[]>();
  const live = nodes.filter((n) => n.live);
  for (const n of live) byNode.set(n.id, []);
  for (const p of placements) byNode.get(p.node)?.push(p);
  for (const list of byNode.values()) list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const moves: Move[] = [];
  const counts = () => new Map([...byNode].map(([id, l]) => [id, l.length]));
  while (moves.length < maxMoves) {
    const sources = [...byNode].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1));
    let moved = false;
    for (const [from, list] of sources) {
      const c = counts();
      // Try the portfolios of the fullest node, last first, to find one some emptier node can take.
      for (let i = list.length - 1; i >= 0 && !moved; i--) {
        const p = list[i]!;
        const target = pickNode(p.market, live, c, from);
        if (!target || (c.get(target.id) ?? 0) + 1 >= list.length) continue;
        list.splice(i, 1);
        byNode.get(target.id)!.push(p);
        moves.push({ name: p.name, from, to: target.id });
        moved = true;
      }
      if (moved) break;
    }
    if (!moved) break;
  }
  return moves;
}

/** Everything decide() looks at for one portfolio. */
export interface DecideInput {
  generation: number;
  deleting: boolean;
  specError?: string;
  market: string;
  stopWanted: boolean;
  status: PortfolioStatus;
  nodes: ReadonlyMap<string, NodeInfo>;
  /** Portfolio counts per node, without this portfolio. */
  counts: ReadonlyMap<string, number>;
  halted: { on: boolean; reason: string };
  /** Rebalance target chosen by planRebalance. */
  preferredNode?: string;
  /**
   * Planned moves (the current node is live) wait this long for the node to release the portfolio
   * (status.releasedEpoch = epoch) before moving anyway; 0 = move at once.
   */
  handoverTimeoutMs?: number;
  /** Components the spec needs (`<kind>:<name>`); nodes that advertise components must have all of them. */
  required?: string[];
  now: Date;
}

export type AssignReason = 'Assigned' | 'Moved' | 'FailedOver' | 'Drained' | 'Rebalanced';
const ASSIGN_REASONS: ReadonlySet<string> = new Set(['Assigned', 'Moved', 'FailedOver', 'Drained', 'Rebalanced']);

export interface Decision {
  /** Fields to merge into status (null deletes). Empty when nothing changes. */
  patch: Record<string, unknown>;
  /** Operator-owned conditions to set (merged with the others by mergeConditions). */
  conditions: Condition[];
  assigned?: { node: string; epoch: number; reason: AssignReason; from?: string };
  unassigned?: { from: string; reason: string };
  /** Pending without a node: retry when nodes change. */
  waiting?: string;
  /** A planned move waits for the current node: look again after this many ms (the timeout). */
  recheckMs?: number;
  /** A hand-over started (for the Event). */
  handover?: { from: string; to: string; reason: AssignReason };
  /** The move went ahead without the node's release (timeout). */
  handoverTimedOut?: boolean;
}

function cond(type: string, ok: boolean, reason: string, message: string, generation: number, now: Date): Condition {
  return { type, status: ok ? 'True' : 'False', reason, message, lastTransitionTime: now.toISOString(), observedGeneration: generation };
}

/**
 * The operator's decision for one portfolio: a pure function of the portfolio, the nodes and the control
 * switch. Sticky: a portfolio stays on its node while that node is live, serves its market and is not draining.
 */
export function decide(input: DecideInput): Decision {
  const { status, nodes, counts, generation, now } = input;
  const patch: Record<string, unknown> = {};
  const conditions: Condition[] = [];
  const decision: Decision = { patch, conditions };
  const setPhase = (phase: PortfolioPhase) => {
    if (status.phase !== phase) patch.phase = phase;
  };
  if (status.observedGeneration !== generation) patch.observedGeneration = generation;

  if (input.specError) {
    conditions.push(cond('Accepted', false, 'InvalidSpec', input.specError, generation, now));
    setPhase('Failed');
    return decision;
  }
  conditions.push(cond('Accepted', true, 'Valid', 'spec is valid', generation, now));
  let componentsReported = false;
  const required = input.required;

  const cur = status.assignedNode;
  const curNode = cur ? nodes.get(cur) : undefined;
  const curLive = !!curNode?.live;
  const epoch = status.epoch ?? 0;

  const assign = (node: string, reason: AssignReason) => {
    patch.assignedNode = node;
    patch.epoch = epoch + 1;
    setPhase('Assigned');
    conditions.push(cond('Assigned', true, reason, `assigned to node ${node} with epoch ${epoch + 1}`, generation, now));
    decision.assigned = { node, epoch: epoch + 1, reason, ...(cur ? { from: cur } : {}) };
  };
  const unassign = (phase: PortfolioPhase, reason: string, message: string) => {
    if (cur) {
      patch.assignedNode = null;
      decision.unassigned = { from: cur, reason };
    }
    setPhase(phase);
    conditions.push(cond('Assigned', false, reason, message, generation, now));
  };
  const clearHandover = () => {
    if (status.handoverTo !== undefined) patch.handoverTo = null;
    if (status.handoverSince !== undefined) patch.handoverSince = null;
    if (status.handoverReason !== undefined) patch.handoverReason = null;
  };
  /**
   * A planned move away from a live node: first ask it to stop and persist (handoverTo), move once it
   * released this epoch or the timeout passed (the epoch fences a node that keeps going).
   */
  const timeoutMs = input.handoverTimeoutMs ?? 0;
  const move = (target: string, reason: AssignReason) => {
    if (!cur || !curLive || timeoutMs <= 0) {
      clearHandover();
      return assign(target, reason);
    }
    const since = status.handoverSince ? Date.parse(status.handoverSince) : NaN;
    const released = status.releasedEpoch === epoch;
    const elapsed = now.getTime() - since;
    if (status.handoverTo === target && (released || elapsed >= timeoutMs)) {
      clearHandover();
      if (!released) decision.handoverTimedOut = true;
      // The reason it started with (a drain annotation may be gone by now).
      const started = status.handoverReason;
      return assign(target, started && ASSIGN_REASONS.has(started) ? (started as AssignReason) : reason);
    }
    if (status.handoverTo !== target) {
      patch.handoverTo = target;
      patch.handoverSince = now.toISOString();
      patch.handoverReason = reason;
      decision.handover = { from: cur, to: target, reason };
      decision.recheckMs = timeoutMs;
    } else {
      decision.recheckMs = Math.max(50, timeoutMs - (Number.isFinite(elapsed) ? elapsed : 0));
    }
    conditions.push(
      cond('Assigned', true, 'HandingOver', `node ${cur} stops and persists epoch ${epoch}; then ${target} takes over (${reason})`, generation, now),
    );
  };

  if (input.stopWanted || input.deleting || !curLive) clearHandover();
  if (input.stopWanted && !input.deleting) {
    if (cur && curLive) {
      // The node stops it and reports Stopped; the assignment stays so it can resume in place.
      conditions.push(cond('Assigned', true, 'Stopping', `node ${cur} stops the portfolio`, generation, now));
    } else {
      unassign('Stopped', 'Stopped', 'desired state is Stopped; no node runs it');
    }
  } else {
    const keep = cur && curNode && curLive && servesMarket(curNode, input.market) && missingOn(curNode, required).length === 0;
    // A hand-over in progress goes on to its target while that one still accepts the portfolio.
    const preferredId = input.deleting ? undefined : (status.handoverTo ?? input.preferredNode);
    const preferred = preferredId ? nodes.get(preferredId) : undefined;
    const preferredOk =
      !!preferred && preferred.id !== cur && acceptsNew(preferred, input.market, counts.get(preferred.id) ?? 0, required);
    if (!preferredOk && status.handoverTo !== undefined && patch.handoverTo === undefined) clearHandover();
    if (keep && preferredOk) {
      move(preferred!.id, curNode.draining ? 'Drained' : 'Rebalanced');
    } else if (keep && !curNode.draining) {
      // Keep the reason of the last move (Moved, FailedOver, ...) while the assignment stands.
      const last = status.conditions?.find((c) => c.type === 'Assigned');
      const reason = last?.status === 'True' && ASSIGN_REASONS.has(last.reason) ? last.reason : 'Assigned';
      conditions.push(cond('Assigned', true, reason, `assigned to node ${cur} with epoch ${epoch}`, generation, now));
      if (status.phase === undefined || status.phase === 'Pending' || status.phase === 'Failed') setPhase('Assigned');
    } else {
      const target = preferredOk && cur && curLive ? preferred : pickNode(input.market, nodes.values(), counts, cur, required);
      if (target) {
        const reason: AssignReason = !cur ? 'Assigned' : !curLive ? 'FailedOver' : curNode?.draining ? 'Drained' : 'Moved';
        if (cur && curLive) move(target.id, reason);
        else assign(target.id, reason);
      } else if (keep) {
        // Draining, but nowhere to go: stay rather than strand it.
        conditions.push(
          cond('Assigned', true, 'DrainBlocked', `node ${cur} drains but no other node accepts market ${input.market}`, generation, now),
        );
      } else {
        // Nodes that would take it but for missing components: say which ones are missing, and where.
        const lacking = [...nodes.values()].filter((n) => acceptsNew(n, input.market, counts.get(n.id) ?? 0) && missingOn(n, required).length > 0);
        if (lacking.length) {
          const missing = [...new Set(lacking.flatMap((n) => missingOn(n, required)))];
          const why = `no node has the components ${missing.join(', ')} (nodes ${lacking.map((n) => n.id).join(', ')} lack them)`;
          conditions.push(cond('ComponentsAvailable', false, 'MissingComponents', why, generation, now));
          unassign('Pending', 'MissingComponents', why);
          decision.waiting = why;
          componentsReported = true;
        } else {
          const why = `no live node accepts market ${input.market} (live, not draining, not overloaded)`;
          unassign('Pending', 'NoNodeAvailable', why);
          decision.waiting = why;
        }
      }
    }
  }

  // True is written only to clear an earlier False: clusters without adverts see no new condition.
  const hadComponentsCondition = status.conditions?.some((c) => c.type === 'ComponentsAvailable') ?? false;
  if (required && !componentsReported && !input.stopWanted && hadComponentsCondition) conditions.push(cond('ComponentsAvailable', true, 'Available', 'the assigned node has every component of the spec', generation, now));
  if (input.halted.on) {
    conditions.push(cond('Halted', true, 'EmergencyStop', input.halted.reason || 'trading halted', generation, now));
    setPhase('Halted');
  } else {
    conditions.push(cond('Halted', false, 'TradingAllowed', 'no emergency stop', generation, now));
    if (status.phase === 'Halted' && patch.phase === undefined) {
      patch.phase = patch.assignedNode === null || !(patch.assignedNode ?? cur) ? 'Pending' : 'Assigned';
    }
  }
  return decision;
}

/**
 * Replaces the operator-owned conditions in `existing`, keeping the others (the node's) untouched and
 * keeping lastTransitionTime when a condition's status did not change. Returns undefined if nothing changed.
 */
export function mergeConditions(existing: Condition[] | undefined, ours: Condition[]): Condition[] | undefined {
  const list = [...(existing ?? [])];
  let changed = false;
  for (const c of ours) {
    const i = list.findIndex((e) => e.type === c.type);
    const old = i >= 0 ? list[i] : undefined;
    if (
      old &&
      old.status === c.status &&
      old.reason === c.reason &&
      old.message === c.message &&
      old.observedGeneration === c.observedGeneration
    ) {
      continue;
    }
    const next = old && old.status === c.status ? { ...c, lastTransitionTime: old.lastTransitionTime } : c;
    if (i >= 0) list[i] = next;
    else list.push(next);
    changed = true;
  }
  return changed ? list : undefined;
}
