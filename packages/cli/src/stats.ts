import { decimalToMinor } from '@ginkgo/contracts';
import type { PortfolioRun } from '@ginkgo/sdk';

const YEAR_DAYS = 252;

export interface EquityPoint {
  /** Trading day (local YYYY-MM-DD); the first point is the start (initial cash before the first day). */
  day: string;
  label: string;
  equity: number;
  drawdown: number;
}

export interface TradeRow {
  ts: number;
  clientOrderId: string;
  code: string;
  side: 'BUY' | 'SELL';
  volume: number;
  price: number;
  amount: number;
  fee: number;
  /** SELL fills: realised PnL against the average cost (buy fees included in the cost), minor units. */
  pnl: number | null;
}

export interface Statistics {
  startEquity: number;
  endEquity: number;
  totalReturn: number;
  annualisedReturn: number;
  volatility: number;
  sharpe: number | null;
  sortino: number | null;
  maxDrawdown: number;
  maxDrawdownPeak: string | null;
  maxDrawdownTrough: string | null;
  winRate: number | null;
  profitFactor: number | null;
  turnover: number;
  fees: number;
  trades: number;
  roundTrips: number;
  days: number;
}

export interface RunReport {
  portfolioId: string;
  strategy: string;
  currency: string;
  statistics: Statistics;
  equity: EquityPoint[];
  dailyReturns: { day: string; ret: number }[];
  monthlyReturns: { month: string; ret: number }[];
  trades: TradeRow[];
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);

/**
 * Statistics of one run from its settlement records (daily equity) and fills. Money stays in integer minor
 * units; returns and ratios are floats computed once from those integers (no running float sums).
 * Sharpe and Sortino use a zero risk-free rate and 252 trading days a year; volatility is the sample
 * standard deviation of daily returns, annualised.
 */
export function reportOf(run: PortfolioRun): RunReport {
  const start = decimalToMinor(run.spec.initialCash);
  const points: EquityPoint[] = [
    { day: run.settlements[0]?.tradingDay ?? '', label: 'start', equity: start, drawdown: 0 },
  ];
  for (const s of run.settlements)
    points.push({ day: s.tradingDay, label: s.tradingDay, equity: s.equity, drawdown: 0 });
  let peak = points[0]!;
  let maxDd = 0;
  let ddPeak: string | null = null;
  let ddTrough: string | null = null;
  for (const p of points) {
    if (p.equity > peak.equity) peak = p;
    p.drawdown = peak.equity > 0 ? p.equity / peak.equity - 1 : 0;
    if (p.drawdown < maxDd) {
      maxDd = p.drawdown;
      ddPeak = peak.label;
      ddTrough = p.label;
    }
  }
  const dailyReturns = points.slice(1).map((p, i) => ({ day: p.day, ret: p.equity / points[i]!.equity - 1 }));
  const rets = dailyReturns.map((d) => d.ret);
  const end = points[points.length - 1]!.equity;
  const totalReturn = end / start - 1;
  const days = rets.length;
  const m = mean(rets);
  const sd = days > 1 ? Math.sqrt(rets.reduce((a, r) => a + (r - m) ** 2, 0) / (days - 1)) : 0;
  const downside = Math.sqrt(mean(rets.map((r) => Math.min(r, 0) ** 2)));
  const months = new Map<string, number>();
  for (const d of dailyReturns)
    months.set(d.day.slice(0, 7), (1 + (months.get(d.day.slice(0, 7)) ?? 0)) * (1 + d.ret) - 1);

  const book = new Map<string, { volume: number; cost: number }>();
  const trades: TradeRow[] = [];
  let traded = 0;
  let fees = 0;
  let won = 0;
  let lost = 0;
  let wins = 0;
  let closes = 0;
  for (const f of [...run.fills].sort((a, b) => a.ts - b.ts)) {
    const amount = f.price * f.volume;
    traded += amount;
    fees += f.fee;
    const pos = book.get(f.code) ?? { volume: 0, cost: 0 };
    let pnl: number | null = null;
    if (f.side === 'BUY') {
      pos.volume += f.volume;
      pos.cost += amount + f.fee;
    } else {
      // Cost of the shares sold, pro rata in integers (the remainder stays with the shares kept).
      const cost = pos.volume > 0 ? Math.round((pos.cost * f.volume) / pos.volume) : 0;
      pos.cost -= cost;
      pos.volume -= f.volume;
      pnl = amount - f.fee - cost;
      closes += 1;
      if (pnl > 0) {
        wins += 1;
        won += pnl;
      } else lost -= pnl;
    }
    book.set(f.code, pos);
    trades.push({
      ts: f.ts,
      clientOrderId: f.clientOrderId,
      code: f.code,
      side: f.side,
      volume: f.volume,
      price: f.price,
      amount,
      fee: f.fee,
      pnl,
    });
  }
  const avgEquity = mean(points.map((p) => p.equity));
  const statistics: Statistics = {
    startEquity: start,
    endEquity: end,
    totalReturn,
    annualisedReturn: days > 0 ? (1 + totalReturn) ** (YEAR_DAYS / days) - 1 : 0,
    volatility: sd * Math.sqrt(YEAR_DAYS),
    sharpe: sd > 0 ? (m / sd) * Math.sqrt(YEAR_DAYS) : null,
    sortino: downside > 0 ? (m / downside) * Math.sqrt(YEAR_DAYS) : null,
    maxDrawdown: maxDd,
    maxDrawdownPeak: ddPeak,
    maxDrawdownTrough: ddTrough,
    winRate: closes > 0 ? wins / closes : null,
    profitFactor: lost > 0 ? won / lost : null,
    turnover: avgEquity > 0 ? traded / avgEquity : 0,
    fees,
    trades: trades.length,
    roundTrips: closes,
    days,
  };
  return {
    portfolioId: run.portfolioId,
    strategy: run.spec.strategy.name,
    currency: run.final.currency,
    statistics,
    equity: points,
    dailyReturns,
    monthlyReturns: [...months].map(([month, ret]) => ({ month, ret })),
    trades,
  };
}
