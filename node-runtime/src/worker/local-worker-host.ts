import {
  PortfolioEngine,
  marketById,
  type ComponentRegistry,
  type MarketRules,
  type PortfolioSnapshot,
} from '@ginkgo/core';
import { PortfolioWorker } from './portfolio-worker.js';
import type { StartedWorker, WorkerHost, WorkerStart } from './worker-handle.js';

/** The engine of a portfolio, fresh or restored, and how to rebuild it from a snapshot after a failure. */
export function portfolioEngine(
  s: Pick<WorkerStart, 'assignment' | 'stored' | 'orderSeqAfter'>,
  registry: ComponentRegistry,
  marketRules: Readonly<Record<string, MarketRules>> | undefined,
): { engine: PortfolioEngine; rebuild: (snapshot: PortfolioSnapshot) => PortfolioEngine } {
  const { assignment: a } = s;
  const market = marketById(a.spec.market, marketRules);
  const rebuild = (snapshot: PortfolioSnapshot) =>
    PortfolioEngine.restore({ snapshot, spec: a.spec, registry, market });
  const engine = s.stored
    ? rebuild(s.stored)
    : PortfolioEngine.create({
        portfolioId: a.portfolioId,
        spec: a.spec,
        registry,
        market,
        orderSeqAfter: s.orderSeqAfter,
      });
  return { engine, rebuild };
}

/** Workers on the node's own thread (the default, the demo and the in-process tests). */
export class LocalWorkerHost implements WorkerHost<PortfolioWorker> {
  constructor(
    private readonly registry: ComponentRegistry,
    private readonly marketRules?: Readonly<Record<string, MarketRules>>,
  ) {}

  start(s: WorkerStart): Promise<StartedWorker<PortfolioWorker>> {
    const { engine, rebuild } = portfolioEngine(s, this.registry, this.marketRules);
    const worker = new PortfolioWorker({ ...s.options, engine, rebuild });
    return Promise.resolve({ worker, snapshot: engine.snapshot(), view: engine.view() });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
