import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { minorToDecimal, portfolioResource, type PortfolioStatus } from '@ginkgo/contracts';
import type { HandleResult, PortfolioView } from '@ginkgo/core';
import type { KubeClients, Logger } from '@ginkgo/platform';
import type { StatusSink } from './execution-node.js';

/** The node-owned part of a Portfolio's status (see portfolio-resource.ts). */
export function nodeStatusOf(view: PortfolioView, nodeId: string): PortfolioStatus {
  return {
    phase: 'Running',
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
    ...(view.lastEventTs !== null ? { lastEventTime: new Date(view.lastEventTs).toISOString() } : {}),
    message: `running on ${nodeId}`,
  };
}

/**
 * Writes portfolio status with merge patches, at most once per interval per portfolio
 * (latest view wins), so a busy tape does not flood the API server.
 */
export class KubeStatusSink implements StatusSink {
  private readonly pending = new Map<string, PortfolioStatus>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly lastWrite = new Map<string, number>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly opts: { clients: KubeClients; namespace: string; nodeId: string; logger: Logger; intervalMs?: number },
  ) {}

  report(portfolioId: string, view: PortfolioView, _result: HandleResult | undefined): void {
    this.pending.set(portfolioId, nodeStatusOf(view, this.opts.nodeId));
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

  /** Writes a status patch now (also used for phase changes such as Stopped). */
  async write(portfolioId: string, status: PortfolioStatus): Promise<void> {
    const { clients, namespace, logger } = this.opts;
    try {
      await clients.custom.patchNamespacedCustomObjectStatus(
        {
          group: portfolioResource.group,
          version: portfolioResource.version,
          namespace,
          plural: portfolioResource.plural,
          name: portfolioId,
          body: { status },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    } catch (err) {
      logger.warn({ portfolioId, err: String(err) }, 'status patch failed');
    }
  }

  private async flush(portfolioId: string): Promise<void> {
    const status = this.pending.get(portfolioId);
    if (!status) return;
    this.pending.delete(portfolioId);
    this.lastWrite.set(portfolioId, Date.now());
    await this.write(portfolioId, status);
  }

  async close(): Promise<void> {
    for (const [id, t] of this.timers) {
      clearTimeout(t);
      this.timers.delete(id);
      await this.flush(id);
    }
    await Promise.all([...this.inFlight]);
  }
}
