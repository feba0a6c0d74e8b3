import { PortfolioSpec, type ComponentRef, type MarketDataMessage, type PortfolioSpecInput } from '@ginkgo/contracts';
import {
  createDefaultRegistry,
  type EngineConfig,
  type MarketRules,
  type PackagedDefinition,
  type Strategy,
} from '@ginkgo/core';
import { runBacktest, type BacktestOptions, type PortfolioRun } from './backtest.js';

export interface RunTapeOptions {
  /** Portfolio id (client order ids are `<id>-<n>`). */
  portfolioId?: string;
  initialCash?: string;
  /** Defaults to every code of the tape. */
  interestedCodes?: string[];
  sizer?: PortfolioSpecInput['sizer'];
  riskManagers?: PortfolioSpecInput['riskManagers'];
  market?: MarketRules;
  config?: Partial<EngineConfig>;
  exchange?: BacktestOptions['exchange'];
  /**
   * Tape positions after which the engine is snapshotted (through JSON) and rebuilt, and the run compared with
   * an uninterrupted one. Default: the middle of the tape and after every settlement; `false` to skip.
   */
  restoreAfter?: number[] | false;
}

export interface TapeResult extends PortfolioRun {
  /** Equity after each settlement (minor units). */
  equityCurve: { tradingDay: string; equity: number }[];
  /** Tape positions where the restart check ran. */
  restoreChecked: number[];
}

/** Name under which the strategy under test is registered for the run. */
export const UNDER_TEST = 'under-test';

/**
 * Runs a strategy over a tape with the platform's engine and paper venue, as `ginkgo backtest` does, and
 * returns orders, fills, settlement records and the equity curve: a strategy's unit tests need no server.
 * Also checks that the strategy survives a restart: snapshot -> restore -> continue must give exactly the
 * result of the uninterrupted run (state kept anywhere but `ctx.state` fails this); it throws when not.
 */
export function runTape<P>(
  definition: PackagedDefinition<Strategy> & { params: { parse(v: unknown): P } },
  params: Record<string, number | string | boolean>,
  tape: readonly MarketDataMessage[],
  opts: RunTapeOptions = {},
): TapeResult {
  const registry = createDefaultRegistry().registerStrategy(UNDER_TEST, definition as never);
  const codes = opts.interestedCodes ?? [...new Set(tape.flatMap((m) => (m.type === 'price' ? [m.code] : [])))];
  const strategy: ComponentRef = { name: UNDER_TEST, params };
  const spec = PortfolioSpec.parse({
    market: opts.market?.id ?? 'cn',
    initialCash: opts.initialCash ?? '1000000.00',
    strategy,
    riskManagers: opts.riskManagers ?? [],
    ...(opts.sizer ? { sizer: opts.sizer } : {}),
    interestedCodes: codes,
  });
  // Rate limiting and staleness are live concerns; a unit test wants every signal of the tape evaluated.
  const config: Partial<EngineConfig> = { ...opts.config };
  const base: BacktestOptions = {
    registry,
    ...(opts.market ? { market: opts.market } : {}),
    config,
    ...(opts.exchange ? { exchange: opts.exchange } : {}),
  };
  const portfolios = [{ id: opts.portfolioId ?? 'test', spec }];
  const [plain] = runBacktest(portfolios, tape, base);
  const checkpoints =
    opts.restoreAfter === false
      ? []
      : (
          opts.restoreAfter ?? [
            Math.floor(tape.length / 2),
            ...tape.flatMap((m, i) => (m.type === 'session' && m.phase === 'settlement' ? [i] : [])),
          ]
        ).filter((i) => i >= 0 && i < tape.length - 1);
  if (checkpoints.length) {
    const [restored] = runBacktest(portfolios, tape, { ...base, restoreAfter: new Set(checkpoints) });
    const a = JSON.stringify(plain);
    const b = JSON.stringify(restored);
    if (a !== b)
      throw new Error(
        `restart check failed: snapshot -> restore -> continue after tape positions ${checkpoints.join(', ')} differs from the uninterrupted run (${firstDifference(plain!, restored!)}); keep all strategy state in ctx.state as plain JSON`,
      );
  }
  const run = plain!;
  return {
    ...run,
    equityCurve: run.settlements.map((s) => ({ tradingDay: s.tradingDay, equity: s.equity })),
    restoreChecked: checkpoints,
  };
}

function firstDifference(a: PortfolioRun, b: PortfolioRun): string {
  for (const key of ['orders', 'events', 'fills', 'settlements', 'final'] as const) {
    if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) {
      const x = a[key];
      const y = b[key];
      if (Array.isArray(x) && Array.isArray(y)) {
        const i = x.findIndex((v, k) => JSON.stringify(v) !== JSON.stringify(y[k]));
        return `${key}[${i === -1 ? x.length : i}]: ${JSON.stringify(x[i] ?? null).slice(0, 200)} vs ${JSON.stringify(y[i] ?? null).slice(0, 200)}`;
      }
      return `${key} differ`;
    }
  }
  return 'dropped signals differ';
}
