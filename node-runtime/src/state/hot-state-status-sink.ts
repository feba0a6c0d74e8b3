import type { HandleResult, PortfolioView } from '@ginkgo/core';
import type { StatusSink } from '../status/status-sink.js';
import type { HotStateWriter } from './hot-state-writer.js';

/** Redis key layout of the node's hot state (prefix `ginkgo:` comes from the store). */
export const hotKeys = {
  node: (nodeId: string) => `node:${nodeId}`,
  portfolio: (portfolioId: string) => `portfolio:${portfolioId}`,
  price: (market: string, code: string) => `price:${market}:${code}`,
};

/** The portfolio summary dashboards read from Redis (money in minor units). */
export interface PortfolioHotSummary {
  portfolioId: string;
  nodeId: string;
  market: string;
  cash: number;
  equity: number;
  realizedPnl: number;
  unrealizedPnl: number;
  positions: { code: string; volume: number; lastPrice: number; marketValue: number }[];
  openOrders: number;
  lastEventTs: number | null;
  updatedAt: number;
}

/**
 * A StatusSink that also puts each portfolio's summary into Redis hot state (with a TTL); the inner sink
 * (Kubernetes status) is unchanged. Redis trouble never reaches the worker: the writer degrades.
 */
export class HotStateStatusSink implements StatusSink {
  constructor(
    private readonly inner: StatusSink,
    private readonly hot: HotStateWriter,
    private readonly opts: { nodeId: string; ttlSeconds: number },
  ) {}

  report(portfolioId: string, view: PortfolioView, result: HandleResult | undefined): void {
    this.inner.report(portfolioId, view, result);
    const summary: PortfolioHotSummary = {
      portfolioId,
      nodeId: this.opts.nodeId,
      market: view.market,
      cash: view.cash,
      equity: view.equity,
      realizedPnl: view.realizedPnl,
      unrealizedPnl: view.unrealizedPnl,
      positions: view.positions.map((p) => ({
        code: p.code,
        volume: p.volume,
        lastPrice: p.lastPrice,
        marketValue: p.marketValue,
      })),
      openOrders: view.openOrders.length,
      lastEventTs: view.lastEventTs,
      updatedAt: Date.now(),
    };
    this.hot.put(hotKeys.portfolio(portfolioId), summary, this.opts.ttlSeconds);
  }

  phase(...args: Parameters<NonNullable<StatusSink['phase']>>): Promise<boolean> {
    return this.inner.phase ? this.inner.phase(...args) : Promise.resolve(true);
  }

  forget(portfolioId: string): void {
    this.inner.forget?.(portfolioId);
  }
}
