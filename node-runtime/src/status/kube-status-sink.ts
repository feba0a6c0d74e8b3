import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import {
  type CancelAck,
  conditionType,
  minorToDecimal,
  nodeConditionTypes,
  portfolioResource,
  type Condition,
  type PortfolioResource,
  type PortfolioStatus,
} from '@ginkgo/contracts';
import type { HandleResult, PortfolioView } from '@ginkgo/core';
import { isConflict, isNotFound, readPortfolio, type KubeClients, type Logger } from '@ginkgo/platform';
import type { NodePhase, StatusSink } from './status-sink.js';
import type { StatusControl } from './status-control.js';
import { KubeStatusControl } from './kube-status-control.js';

/** Conditions the node owns (contracts conditions.ts); every other entry belongs to the operator and is kept. */
export const NODE_CONDITIONS = nodeConditionTypes;

/** The node-owned trading summary of a Portfolio's status. */
export function nodeStatusOf(view: PortfolioView, nodeId: string): PortfolioStatus {
  return {
    cash: minorToDecimal(view.cash),
    equity: minorToDecimal(view.equity),
    realizedPnl: minorToDecimal(view.realizedPnl),
    unrealizedPnl: minorToDecimal(view.unrealizedPnl),
    positions: view.positions.map((p) => ({
      code: p.code,
      volume: p.volume,
      sellable: p.sellable,
      avgCost: minorToDecimal(p.avgCostMinor),
      marketValue: minorToDecimal(p.marketValue),
    })),
    positionsCount: view.positions.length,
    openOrders: view.openOrders.length,
    ...(view.lastEventTs !== null ? { lastEventTime: new Date(view.lastEventTs).toISOString() } : {}),
    message: `running on ${nodeId}`,
  };
}

/** The node's conditions for a phase, as {type: [status, reason]}. */
function conditionsFor(phase: NodePhase, reason: string): Record<string, ['True' | 'False', string]> {
  switch (phase) {
    case 'Running':
      return {
        Ready: ['True', 'Running'],
        Running: ['True', 'Running'],
        Degraded: ['False', 'Running'],
        Stopped: ['False', 'Running'],
      };
    case 'Degraded':
      return {
        Ready: ['False', reason],
        Running: ['False', reason],
        Degraded: ['True', reason],
        Stopped: ['False', reason],
      };
    case 'Stopped':
      return { Ready: ['False', reason], Running: ['False', reason], Stopped: ['True', reason] };
  }
}

/** Keeps the operator's entries, replaces the node's; lastTransitionTime moves only when a status flips. */
export function mergeConditions(
  current: Condition[] | undefined,
  mine: Record<string, ['True' | 'False', string]>,
  message: string,
  generation: number | undefined,
  now: string,
): Condition[] {
  const byType = new Map((current ?? []).map((c) => [c.type, c]));
  const out = (current ?? []).filter((c) => !(c.type in mine));
  for (const [type, [status, reason]] of Object.entries(mine)) {
    const before = byType.get(type);
    out.push({
      type,
      status,
      reason,
      message,
      lastTransitionTime: before && before.status === status ? before.lastTransitionTime : now,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
    });
  }
  return out;
}

export const isHalted = (p: PortfolioResource): boolean =>
  (p.status?.conditions ?? []).some((c) => c.type === conditionType.Halted && c.status === 'True');

interface Claim {
  epoch: number;
  generation: number;
  phase: NodePhase;
  reason: string;
  message?: string;
}

/**
 * Writes the node-owned part of Portfolio status. Every write reads the object first and goes out
 * only while `status.assignedNode` is this node and `status.epoch` is the epoch it runs with (a node
 * that lost the assignment never overwrites its successor), with `metadata.resourceVersion` so a
 * concurrent writer makes it re-read (409). Trading summaries are throttled per portfolio (latest wins);
 * phase changes go out at once. No phase is written while the operator holds condition Halted=True.
 */
export class KubeStatusSink implements StatusSink, StatusControl {
  private readonly pending = new Map<string, PortfolioStatus>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly lastWrite = new Map<string, number>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly claims = new Map<string, Claim>();
  /** Latest summary per portfolio, sent along with phase changes. */
  private readonly lastSummary = new Map<string, PortfolioStatus>();
  /** Per-portfolio chain so writes of one portfolio never race each other. */
  private readonly chains = new Map<string, Promise<unknown>>();

  private readonly control: KubeStatusControl;

  constructor(
    private readonly opts: {
      clients: KubeClients;
      namespace: string;
      nodeId: string;
      logger: Logger;
      intervalMs?: number;
    },
  ) {
    this.control = new KubeStatusControl(opts);
  }

  report(portfolioId: string, view: PortfolioView, _result: HandleResult | undefined): void {
    const summary = nodeStatusOf(view, this.opts.nodeId);
    this.lastSummary.set(portfolioId, summary);
    if (!this.claims.has(portfolioId)) return;
    this.pending.set(portfolioId, summary);
    if (this.timers.has(portfolioId)) return;
    const interval = this.opts.intervalMs ?? 500;
    const wait = Math.max(0, (this.lastWrite.get(portfolioId) ?? 0) + interval - Date.now());
    this.timers.set(
      portfolioId,
      setTimeout(() => {
        this.timers.delete(portfolioId);
        const p = this.flush(portfolioId).finally(() => this.inFlight.delete(p));
        this.inFlight.add(p);
      }, wait),
    );
  }

  async phase(
    portfolioId: string,
    run: { epoch: number; generation: number },
    phase: NodePhase,
    reason: string,
    message?: string,
  ): Promise<boolean> {
    const claim: Claim = { ...run, phase, reason, ...(message !== undefined ? { message } : {}) };
    if (phase === 'Stopped') this.claims.delete(portfolioId);
    else this.claims.set(portfolioId, claim);
    const summary = this.pending.get(portfolioId) ?? this.lastSummary.get(portfolioId);
    this.pending.delete(portfolioId);
    return this.write(portfolioId, claim, summary ?? {});
  }

  released(portfolioId: string, epoch: number, releasedEpoch: number | undefined): Promise<boolean> {
    return this.chain(portfolioId, () => this.control.released(portfolioId, epoch, releasedEpoch));
  }

  acknowledgeCancels(portfolioId: string, epoch: number, ack: CancelAck): Promise<boolean> {
    return this.chain(portfolioId, () => this.control.acknowledgeCancels(portfolioId, epoch, ack));
  }

  forget(portfolioId: string): void {
    this.claims.delete(portfolioId);
    this.lastSummary.delete(portfolioId);
    this.pending.delete(portfolioId);
    const t = this.timers.get(portfolioId);
    if (t) clearTimeout(t);
    this.timers.delete(portfolioId);
  }

  /** Read-check-patch with resourceVersion; retried on 409. Returns whether the patch went out. */
  private write(portfolioId: string, claim: Claim, summary: PortfolioStatus): Promise<boolean> {
    return this.chain(portfolioId, () => this.writeNow(portfolioId, claim, summary));
  }

  /** Runs one write after the portfolio's previous ones (never two at once for a portfolio). */
  private chain(portfolioId: string, op: () => Promise<boolean>): Promise<boolean> {
    const prev = this.chains.get(portfolioId) ?? Promise.resolve();
    const next = prev.then(op).catch((err: unknown) => {
      this.opts.logger.warn({ portfolioId, err }, 'status patch failed');
      return false;
    });
    this.chains.set(portfolioId, next);
    void next.finally(() => {
      if (this.chains.get(portfolioId) === next) this.chains.delete(portfolioId);
    });
    return next;
  }

  private async writeNow(portfolioId: string, claim: Claim, summary: PortfolioStatus): Promise<boolean> {
    const { clients, namespace, nodeId, logger } = this.opts;
    const { group, version, plural } = portfolioResource;
    for (let attempt = 1; ; attempt++) {
      let current: PortfolioResource;
      try {
        current = await readPortfolio(clients, namespace, portfolioId);
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
      const st = current.status ?? {};
      if (st.assignedNode !== nodeId || st.epoch !== claim.epoch) {
        logger.info(
          { portfolioId, assignedNode: st.assignedNode, epoch: st.epoch, mine: claim.epoch },
          'not writing status: assignment moved',
        );
        return false;
      }
      const message =
        claim.message ??
        (claim.phase === 'Running'
          ? `running on ${nodeId}`
          : `${claim.phase.toLowerCase()} on ${nodeId}: ${claim.reason}`);
      const status: PortfolioStatus = {
        ...summary,
        message,
        runningNode: nodeId,
        runningEpoch: claim.epoch,
        runningGeneration: claim.generation,
        conditions: mergeConditions(
          st.conditions,
          conditionsFor(claim.phase, claim.reason),
          message,
          claim.generation,
          new Date().toISOString(),
        ),
        // While halted the operator owns the phase.
        ...(isHalted(current) ? {} : { phase: claim.phase }),
      };
      try {
        await clients.custom.patchNamespacedCustomObjectStatus(
          {
            group,
            version,
            namespace,
            plural,
            name: portfolioId,
            body: { metadata: { resourceVersion: current.metadata.resourceVersion }, status },
          },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        if (!isConflict(err) || attempt >= 8) throw err;
      }
    }
  }

  private async flush(portfolioId: string): Promise<void> {
    const status = this.pending.get(portfolioId);
    const claim = this.claims.get(portfolioId);
    if (!status || !claim) return;
    this.pending.delete(portfolioId);
    this.lastWrite.set(portfolioId, Date.now());
    await this.write(portfolioId, claim, status);
  }

  async close(): Promise<void> {
    for (const [id, t] of this.timers) {
      clearTimeout(t);
      this.timers.delete(id);
      await this.flush(id);
    }
    await Promise.all([...this.inFlight]);
    await Promise.all([...this.chains.values()]);
  }
}
