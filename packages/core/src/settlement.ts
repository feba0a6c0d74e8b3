import { minorToDecimal } from '@ginkgo/contracts';

export interface SettlementPosition {
  code: string;
  volume: number;
  sellable: number;
  avgCostMinor: number;
  closePrice: number;
  marketValue: number;
  unrealizedPnl: number;
  suspended: boolean;
}

export interface EquityPoint {
  tradingDay: string;
  equity: number;
}

/** End-of-day record: what node-runtime persists and what the report renders. Money in minor units. */
export interface SettlementRecord {
  portfolioId: string;
  tradingDay: string;
  ts: number;
  currency: string;
  cash: number;
  equity: number;
  previousEquity: number;
  dailyPnl: number;
  realizedPnl: number;
  unrealizedPnl: number;
  feesPaid: number;
  dailyFees: number;
  dailyRealizedPnl: number;
  /** Orders still open at the close, expired by the settlement (A-share orders are day orders). */
  expiredOrders: string[];
  positions: SettlementPosition[];
  equityCurve: EquityPoint[];
}

/** The settlement record as pretty JSON with decimal strings next to the minor units, for humans. */
export function settlementReportJson(r: SettlementRecord): string {
  const dec = (n: number) => minorToDecimal(n);
  return JSON.stringify(
    {
      ...r,
      display: {
        cash: dec(r.cash),
        equity: dec(r.equity),
        dailyPnl: dec(r.dailyPnl),
        realizedPnl: dec(r.realizedPnl),
        unrealizedPnl: dec(r.unrealizedPnl),
        feesPaid: dec(r.feesPaid),
      },
    },
    null,
    2,
  );
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** Inline SVG polyline of the equity curve (no external assets, so the page is self-contained). */
export function equityCurveSvg(input: readonly EquityPoint[], width = 640, height = 200): string {
  const pad = 30;
  let points = input;
  if (points.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"></svg>`;
  // One point still draws a (flat) line across the plot instead of an empty frame.
  if (points.length === 1) points = [points[0]!, points[0]!];
  const values = points.map((p) => p.equity);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const step = points.length > 1 ? (width - 2 * pad) / (points.length - 1) : 0;
  const xy = points.map((p, i) => {
    const x = pad + i * step;
    const y = height - pad - ((p.equity - min) / span) * (height - 2 * pad);
    return `${x.toFixed(1)},${y.toFixed(1)}`;
  });
  const first = points[0]!;
  const last = points[points.length - 1]!;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="equity curve">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#fff" stroke="#ccc"/>`,
    `<polyline fill="none" stroke="#2a7" stroke-width="2" points="${xy.join(' ')}"/>`,
    `<text x="${pad}" y="${height - 8}" font-size="11">${esc(first.tradingDay)}</text>`,
    `<text x="${width - pad}" y="${height - 8}" font-size="11" text-anchor="end">${esc(last.tradingDay)}</text>`,
    `<text x="4" y="14" font-size="11">max ${esc(minorToDecimal(max))}</text>`,
    `<text x="4" y="${height - 20}" font-size="11">min ${esc(minorToDecimal(min))}</text>`,
    `</svg>`,
  ].join('');
}

/** Self-contained HTML settlement report: summary, positions table and the equity curve as inline SVG. */
export function settlementReportHtml(r: SettlementRecord): string {
  const dec = (n: number) => esc(minorToDecimal(n));
  // The first day of a portfolio has one settlement point: start the curve at the day's opening equity.
  const curve =
    r.equityCurve.length === 1 ? [{ tradingDay: 'start', equity: r.previousEquity }, ...r.equityCurve] : r.equityCurve;
  const rows = r.positions
    .map(
      (p) =>
        `<tr><td>${esc(p.code)}</td><td>${p.volume}</td><td>${p.sellable}</td><td>${dec(p.avgCostMinor)}</td><td>${dec(p.closePrice)}</td><td>${dec(p.marketValue)}</td><td>${dec(p.unrealizedPnl)}</td><td>${p.suspended ? 'suspended' : 'trading'}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Settlement ${esc(r.portfolioId)} ${esc(r.tradingDay)}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child{text-align:left}</style>
</head><body>
<h1>Settlement: ${esc(r.portfolioId)} — ${esc(r.tradingDay)}</h1>
<table><tbody>
<tr><th>Equity</th><td>${dec(r.equity)} ${esc(r.currency)}</td></tr>
<tr><th>Daily PnL</th><td>${dec(r.dailyPnl)}</td></tr>
<tr><th>Cash</th><td>${dec(r.cash)}</td></tr>
<tr><th>Realised PnL</th><td>${dec(r.realizedPnl)}</td></tr>
<tr><th>Unrealised PnL</th><td>${dec(r.unrealizedPnl)}</td></tr>
<tr><th>Fees paid</th><td>${dec(r.feesPaid)}</td></tr>
</tbody></table>
<h2>Positions</h2>
<table><thead><tr><th>Code</th><th>Volume</th><th>Sellable</th><th>Avg cost</th><th>Close</th><th>Market value</th><th>Unrealised PnL</th><th>Status</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="8">No positions.</td></tr>'}
</tbody></table>
<h2>Equity curve</h2>
${equityCurveSvg(curve)}
</body></html>
`;
}
