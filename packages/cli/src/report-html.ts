import { esc, money, num, pct } from './format.js';
import type { RunReport, Statistics } from './stats.js';
import { svgChart } from './svg-chart.js';

const MAX_TRADE_ROWS = 1000;

/** Label, display text and kind of each statistic; `data-stat`/`data-kind` let a test compare page and JSON. */
export function statRows(s: Statistics): { key: keyof Statistics; label: string; text: string }[] {
  const rows: { key: keyof Statistics; label: string; text: string }[] = [
    { key: 'startEquity', label: 'Start equity', text: money(s.startEquity) },
    { key: 'endEquity', label: 'End equity', text: money(s.endEquity) },
    { key: 'totalReturn', label: 'Total return', text: pct(s.totalReturn) },
    { key: 'annualisedReturn', label: 'Annualised return', text: pct(s.annualisedReturn) },
    { key: 'volatility', label: 'Volatility (annualised)', text: pct(s.volatility) },
    { key: 'sharpe', label: 'Sharpe ratio', text: num(s.sharpe) },
    { key: 'sortino', label: 'Sortino ratio', text: num(s.sortino) },
    { key: 'maxDrawdown', label: 'Max drawdown', text: pct(s.maxDrawdown) },
    { key: 'maxDrawdownPeak', label: 'Max drawdown from', text: s.maxDrawdownPeak ?? 'n/a' },
    { key: 'maxDrawdownTrough', label: 'Max drawdown to', text: s.maxDrawdownTrough ?? 'n/a' },
    { key: 'winRate', label: 'Win rate', text: pct(s.winRate) },
    { key: 'profitFactor', label: 'Profit factor', text: num(s.profitFactor) },
    { key: 'turnover', label: 'Turnover (x average equity)', text: num(s.turnover) },
    { key: 'fees', label: 'Fees', text: money(s.fees) },
    { key: 'trades', label: 'Trades (fills)', text: String(s.trades) },
    { key: 'roundTrips', label: 'Closing trades', text: String(s.roundTrips) },
    { key: 'days', label: 'Trading days', text: String(s.days) },
  ];
  return rows;
}

const time = (ts: number) => new Date(ts + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');

function section(r: RunReport): string {
  const s = r.statistics;
  const labels = r.equity.map((p) => p.label);
  const equity = svgChart(
    { labels, values: r.equity.map((p) => p.equity / 100) },
    { title: `Equity (${r.currency})`, format: (v) => v.toFixed(0), kind: 'line', color: '#1565c0' },
  );
  const dd = svgChart(
    { labels, values: r.equity.map((p) => p.drawdown * 100) },
    { title: 'Drawdown (%)', format: (v) => `${v.toFixed(2)}%`, kind: 'area', color: '#c62828', height: 200 },
  );
  const daily = svgChart(
    { labels: r.dailyReturns.map((d) => d.day), values: r.dailyReturns.map((d) => d.ret * 100) },
    { title: 'Daily returns (%)', format: (v) => `${v.toFixed(2)}%`, kind: 'bars', color: '#2e7d32', height: 200 },
  );
  const stats = statRows(s)
    .map((row) => `<tr><th>${esc(row.label)}</th><td data-stat="${row.key}">${esc(row.text)}</td></tr>`)
    .join('');
  const monthly = r.monthlyReturns
    .map(
      (m) =>
        `<tr><td>${esc(m.month)}</td><td data-month="${esc(m.month)}" class="${m.ret < 0 ? 'neg' : 'pos'}">${pct(m.ret)}</td></tr>`,
    )
    .join('');
  const dailyRows = r.dailyReturns
    .map(
      (d) =>
        `<tr><td>${esc(d.day)}</td><td data-day="${esc(d.day)}" class="${d.ret < 0 ? 'neg' : 'pos'}">${pct(d.ret)}</td></tr>`,
    )
    .join('');
  const tradeRows = r.trades
    .slice(0, MAX_TRADE_ROWS)
    .map(
      (t) =>
        `<tr><td>${time(t.ts)}</td><td>${esc(t.clientOrderId)}</td><td>${esc(t.code)}</td><td>${t.side}</td><td class="n">${t.volume}</td><td class="n">${money(t.price)}</td><td class="n">${money(t.amount)}</td><td class="n">${money(t.fee)}</td><td class="n ${t.pnl !== null && t.pnl < 0 ? 'neg' : ''}">${t.pnl === null ? '—' : money(t.pnl)}</td></tr>`,
    )
    .join('');
  const more =
    r.trades.length > MAX_TRADE_ROWS ? `<p>${r.trades.length - MAX_TRADE_ROWS} more trades in the JSON.</p>` : '';
  return `<section data-portfolio="${esc(r.portfolioId)}">
<h2>${esc(r.portfolioId)} <small>${esc(r.strategy)}</small></h2>
<div class="grid2"><table class="stats">${stats}</table><div>${equity}${dd}</div></div>
${daily}
<div class="grid2"><div><h3>Monthly returns</h3><table><tr><th>Month</th><th>Return</th></tr>${monthly}</table></div>
<div><h3>Daily returns</h3><table><tr><th>Day</th><th>Return</th></tr>${dailyRows}</table></div></div>
<h3>Trades</h3>
<table class="trades"><tr><th>Time (+08:00)</th><th>Order</th><th>Code</th><th>Side</th><th>Volume</th><th>Price</th><th>Amount</th><th>Fee</th><th>PnL</th></tr>${tradeRows || '<tr><td colspan="9">No trades.</td></tr>'}</table>${more}
</section>`;
}

/** One self-contained page (no scripts, no external resources) for all portfolios of a run. */
export function renderReport(
  reports: readonly RunReport[],
  meta: { tape: string; from?: string; to?: string },
): string {
  const period = reports[0]?.equity.length
    ? `${reports[0].equity[1]?.day ?? reports[0].equity[0]!.day} – ${reports[0].equity[reports[0].equity.length - 1]!.day}`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ginkgo backtest report</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}
h1{margin:0 0 4px}h2{border-bottom:2px solid #1565c0;padding-bottom:4px}small{color:#666;font-weight:normal}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}
td.n{text-align:right}.neg{color:#c62828}.pos{color:#2e7d32}.stats th{background:#f5f7fa;font-weight:600}
.grid2{display:flex;gap:24px;flex-wrap:wrap;align-items:flex-start}
.grid{stroke:#e3e3e3;stroke-width:1}.axis{stroke:#555;stroke-width:1}.ax{font-size:11px;fill:#555}.ct{font-size:13px;font-weight:600;fill:#222}
</style></head><body>
<h1>Backtest report</h1>
<p>Tape: ${esc(meta.tape)}${meta.from || meta.to ? `, days ${esc(meta.from ?? '…')} to ${esc(meta.to ?? '…')}` : ''}; trading days ${esc(period)}. Engine and paper venue of the live platform; returns on settlement equity, zero risk-free rate, 252 days a year.</p>
${reports.map(section).join('\n')}
</body></html>
`;
}
