import { portfolioResource, type PortfolioResource, type PortfolioStatus } from '@ginkgo/contracts';
import type { E2eCluster } from '../../operator/test/e2e-harness.js';

const { group, version, plural } = portfolioResource;

/** Running where it is assigned, at its current epoch, on a node that is up. */
export function trading(p: PortfolioResource, liveNodes: ReadonlySet<string>): boolean {
  const st = p.status ?? {};
  return (
    st.phase === 'Running' &&
    !!st.runningNode &&
    st.runningNode === st.assignedNode &&
    st.runningEpoch === st.epoch &&
    liveNodes.has(st.runningNode)
  );
}

/**
 * Lists the run's Portfolios every 250 ms: the latest statuses, and for each portfolio the longest span it was
 * not trading. A failed list (the API server restarting) keeps the last view: a portfolio's state is unknown then,
 * and counted as it was last seen.
 */
export class PortfolioWatch {
  private latest = new Map<string, PortfolioResource>();
  private seenAt = 0;
  private readonly downSince = new Map<string, number>();
  private readonly longest = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly c: E2eCluster,
    private readonly names: readonly string[],
    private readonly liveNodes: () => ReadonlySet<string>,
  ) {}

  start(): void {
    const poll = async () => {
      if (this.stopped) return;
      await this.refresh().catch(() => undefined);
      this.timer = setTimeout(() => void poll(), 250);
    };
    void poll();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    const now = Date.now();
    for (const [name, since] of this.downSince) this.note(name, now - since);
    this.downSince.clear();
  }

  async refresh(): Promise<void> {
    const list = (await this.c.clients.custom.listNamespacedCustomObject({
      group,
      version,
      plural,
      namespace: this.c.namespace,
    })) as { items: PortfolioResource[] };
    const now = Date.now();
    const live = this.liveNodes();
    this.latest = new Map(list.items.map((p) => [p.metadata.name, p]));
    this.seenAt = now;
    for (const name of this.names) {
      const p = this.latest.get(name);
      const ok = !!p && trading(p, live);
      const since = this.downSince.get(name);
      if (!ok && since === undefined) this.downSince.set(name, now);
      if (ok && since !== undefined) {
        this.note(name, now - since);
        this.downSince.delete(name);
      }
    }
  }

  /** Forget the outages so far (the first placement is not one). */
  resetOutages(): void {
    this.longest.clear();
    this.downSince.clear();
  }

  private note(name: string, ms: number): void {
    this.longest.set(name, Math.max(this.longest.get(name) ?? 0, ms));
  }

  /** Every portfolio trading in a view listed after `since` (and with the nodes up now). */
  allTrading(since = 0): boolean {
    if (this.seenAt < since) return false;
    const live = this.liveNodes();
    return this.names.every((n) => {
      const p = this.latest.get(n);
      return !!p && trading(p, live);
    });
  }

  /** Who is not trading now (for a timeout message). */
  notTrading(): string[] {
    const live = this.liveNodes();
    return this.names.filter((n) => {
      const p = this.latest.get(n);
      return !p || !trading(p, live);
    });
  }

  status(name: string): PortfolioStatus | undefined {
    return this.latest.get(name)?.status;
  }

  /** The longest span any portfolio was not trading (ms), and which. */
  longestOutage(): { portfolio: string; ms: number } {
    let worst = { portfolio: '', ms: 0 };
    for (const [portfolio, ms] of this.longest) if (ms > worst.ms) worst = { portfolio, ms };
    return worst;
  }
}
