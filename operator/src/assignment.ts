import {
  AssignReason,
  acceptedReason,
  assignReason,
  assignedReason,
  componentsAvailableReason,
  conditionType,
  haltedReason,
  type AssignedReason,
  type Condition,
  type PortfolioPhase,
  type PortfolioStatus,
} from '@ginkgo/contracts';
import type { NodeInfo } from './node-info.js';
import { acceptsNew, missingOn, pickNode, servesMarket } from './placement.js';
import { cond } from './portfolio-conditions.js';

export type { AssignReason } from '@ginkgo/contracts';

/** Everything decide() looks at for one portfolio. */
export interface DecideInput {
  generation: number;
  deleting: boolean;
  specError?: string;
  /** The params fail the schemas the nodes advertise (see AdvertisedParamsCheck). */
  paramsError?: string;
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

const isAssignReason = (reason: string | undefined): reason is AssignReason => AssignReason.safeParse(reason).success;
/** Why no node runs the portfolio (the reason of Assigned=False). */
export type UnassignReason = Extract<AssignedReason, 'Stopped' | 'MissingComponents' | 'NoNodeAvailable'>;

export interface Decision {
  /** Fields to merge into status (null deletes). Empty when nothing changes. */
  patch: Record<string, unknown>;
  /** Operator-owned conditions to set (merged with the others by mergeConditions). */
  conditions: Condition[];
  assigned?: { node: string; epoch: number; reason: AssignReason; from?: string };
  unassigned?: { from: string; reason: UnassignReason };
  /** Pending without a node: retry when nodes change. */
  waiting?: string;
  /** A planned move waits for the current node: look again after this many ms (the timeout). */
  recheckMs?: number;
  /** A hand-over started (for the Event). */
  handover?: { from: string; to: string; reason: AssignReason };
  /** The move went ahead without the node's release (timeout). */
  handoverTimedOut?: boolean;
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
    conditions.push(cond(conditionType.Accepted, false, acceptedReason.InvalidSpec, input.specError, generation, now));
    setPhase('Failed');
    return decision;
  }
  if (input.paramsError && !input.deleting) {
    conditions.push(
      cond(conditionType.Accepted, false, acceptedReason.InvalidParams, input.paramsError, generation, now),
    );
    setPhase('Failed');
    // Judged against the nodes of now: look again when they change (a new image may accept the params).
    decision.waiting = input.paramsError;
    return decision;
  }
  conditions.push(cond(conditionType.Accepted, true, acceptedReason.Valid, 'spec is valid', generation, now));
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
    conditions.push(
      cond(conditionType.Assigned, true, reason, `assigned to node ${node} with epoch ${epoch + 1}`, generation, now),
    );
    decision.assigned = { node, epoch: epoch + 1, reason, ...(cur ? { from: cur } : {}) };
  };
  const unassign = (phase: PortfolioPhase, reason: UnassignReason, message: string) => {
    if (cur) {
      patch.assignedNode = null;
      decision.unassigned = { from: cur, reason };
    }
    setPhase(phase);
    conditions.push(cond(conditionType.Assigned, false, reason, message, generation, now));
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
      return assign(target, isAssignReason(started) ? started : reason);
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
      cond(
        conditionType.Assigned,
        true,
        assignedReason.HandingOver,
        `node ${cur} stops and persists epoch ${epoch}; then ${target} takes over (${reason})`,
        generation,
        now,
      ),
    );
  };

  if (input.stopWanted || input.deleting || !curLive) clearHandover();
  if (input.stopWanted && !input.deleting) {
    if (cur && curLive) {
      // The node stops it and reports Stopped; the assignment stays so it can resume in place.
      conditions.push(
        cond(conditionType.Assigned, true, assignedReason.Stopping, `node ${cur} stops the portfolio`, generation, now),
      );
    } else {
      unassign('Stopped', assignedReason.Stopped, 'desired state is Stopped; no node runs it');
    }
  } else {
    const keep =
      cur && curNode && curLive && servesMarket(curNode, input.market) && missingOn(curNode, required).length === 0;
    // A hand-over in progress goes on to its target while that one still accepts the portfolio.
    const preferredId = input.deleting ? undefined : (status.handoverTo ?? input.preferredNode);
    const preferred = preferredId ? nodes.get(preferredId) : undefined;
    const preferredOk =
      !!preferred &&
      preferred.id !== cur &&
      acceptsNew(preferred, input.market, counts.get(preferred.id) ?? 0, required);
    if (!preferredOk && status.handoverTo !== undefined && patch.handoverTo === undefined) clearHandover();
    if (keep && preferredOk) {
      move(preferred!.id, curNode.draining ? assignReason.Drained : assignReason.Rebalanced);
    } else if (keep && !curNode.draining) {
      // Keep the reason of the last move (Moved, FailedOver, ...) while the assignment stands.
      const last = status.conditions?.find((c) => c.type === conditionType.Assigned);
      const reason = last?.status === 'True' && isAssignReason(last.reason) ? last.reason : assignReason.Assigned;
      conditions.push(
        cond(conditionType.Assigned, true, reason, `assigned to node ${cur} with epoch ${epoch}`, generation, now),
      );
      if (status.phase === undefined || status.phase === 'Pending' || status.phase === 'Failed') setPhase('Assigned');
    } else {
      const target =
        preferredOk && cur && curLive ? preferred : pickNode(input.market, nodes.values(), counts, cur, required);
      if (target) {
        const { Assigned, FailedOver, Drained, Moved } = assignReason;
        const reason: AssignReason = !cur ? Assigned : !curLive ? FailedOver : curNode?.draining ? Drained : Moved;
        if (cur && curLive) move(target.id, reason);
        else assign(target.id, reason);
      } else if (keep) {
        // Draining, but nowhere to go: stay rather than strand it.
        conditions.push(
          cond(
            conditionType.Assigned,
            true,
            assignedReason.DrainBlocked,
            `node ${cur} drains but no other node accepts market ${input.market}`,
            generation,
            now,
          ),
        );
      } else {
        // Nodes that would take it but for missing components: say which ones are missing, and where.
        const lacking = [...nodes.values()].filter(
          (n) => acceptsNew(n, input.market, counts.get(n.id) ?? 0) && missingOn(n, required).length > 0,
        );
        if (lacking.length) {
          const missing = [...new Set(lacking.flatMap((n) => missingOn(n, required)))];
          const why = `no node has the components ${missing.join(', ')} (nodes ${lacking.map((n) => n.id).join(', ')} lack them)`;
          conditions.push(
            cond(
              conditionType.ComponentsAvailable,
              false,
              componentsAvailableReason.MissingComponents,
              why,
              generation,
              now,
            ),
          );
          unassign('Pending', assignedReason.MissingComponents, why);
          decision.waiting = why;
          componentsReported = true;
        } else {
          const why = `no live node accepts market ${input.market} (live, not draining, not overloaded)`;
          unassign('Pending', assignedReason.NoNodeAvailable, why);
          decision.waiting = why;
        }
      }
    }
  }

  // True is written only to clear an earlier False: clusters without adverts see no new condition.
  const hadComponentsCondition = status.conditions?.some((c) => c.type === conditionType.ComponentsAvailable) ?? false;
  if (required && !componentsReported && !input.stopWanted && hadComponentsCondition) {
    conditions.push(
      cond(
        conditionType.ComponentsAvailable,
        true,
        componentsAvailableReason.Available,
        'the assigned node has every component of the spec',
        generation,
        now,
      ),
    );
  }
  if (input.halted.on) {
    conditions.push(
      cond(
        conditionType.Halted,
        true,
        haltedReason.EmergencyStop,
        input.halted.reason || 'trading halted',
        generation,
        now,
      ),
    );
    setPhase('Halted');
  } else {
    conditions.push(
      cond(conditionType.Halted, false, haltedReason.TradingAllowed, 'no emergency stop', generation, now),
    );
    if (status.phase === 'Halted' && patch.phase === undefined) {
      patch.phase = patch.assignedNode === null || !(patch.assignedNode ?? cur) ? 'Pending' : 'Assigned';
    }
  }
  return decision;
}
