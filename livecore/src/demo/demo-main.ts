import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { minorToDecimal } from '@ginkgo/contracts';
import { equityCurveSvg, settlementReportHtml, type SettlementRecord } from '@ginkgo/core';
import { MySqlDatabase } from '@ginkgo/platform';
import { parseCsvTape } from '../csv-tape.js';
import { MySqlOrderLedger } from '../order-ledger.js';
import { MySqlSettlementStore } from '../settlement-store.js';
import { runEmbedded } from './embedded-system.js';

/** `make demo`: three portfolios over the bundled three-day tape through the whole pipeline, no servers needed. */
const tapePath = fileURLToPath(new URL('../../tapes/cn-sample-3d.csv', import.meta.url));

export const demoPortfolios = {
  'ma-cross-demo': {
    market: 'cn',
    initialCash: '1000000.00',
    strategy: { name: 'ma-cross', params: { short: 5, long: 20 } },
    riskManagers: [{ name: 'position-ratio', params: { maxRatio: 0.3, mode: 'cut' } }, { name: 'loss-limit', params: { lossRatio: 0.05 } }],
    sizer: { name: 'fixed-volume', params: { volume: 1000 } },
    interestedCodes: ['600000.SH', '000001.SZ'],
  },
  'buy-and-hold-demo': {
    market: 'cn',
    initialCash: '500000.00',
    strategy: { name: 'buy-and-hold', params: {} },
    sizer: { name: 'fixed-volume', params: { volume: 2000 } },
    interestedCodes: ['600000.SH', '601318.SH'],
  },
  'breakout-demo': {
    market: 'cn',
    initialCash: '800000.00',
    strategy: { name: 'breakout', params: { lookback: 12 } },
    sizer: { name: 'fixed-volume', params: { volume: 500 } },
    interestedCodes: ['300750.SZ', '000001.SZ'],
  },
};

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);

/** One page: per portfolio the equity curve over the days, then the core's report of each day. */
function combinedReport(settlements: SettlementRecord[]): string {
  const ids = [...new Set(settlements.map((s) => s.portfolioId))];
  const sections = ids.map((id) => {
    const days = settlements.filter((s) => s.portfolioId === id);
    const last = days.at(-1)!;
    const bodies = days.map((d) => settlementReportHtml(d).replace(/^[\s\S]*<body>/, '').replace(/<\/body>[\s\S]*$/, ''));
    return `<section><h1>${esc(id)}</h1>${equityCurveSvg(last.equityCurve)}${bodies.map((b) => `<div class="day">${b}</div>`).join('\n')}</section>`;
  });
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Ginkgo Live demo settlement</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child{text-align:left}.day{margin-left:2em}</style>
</head><body>${sections.join('\n<hr>\n')}</body></html>\n`;
}

async function main(): Promise<void> {
  process.env.LOG_LEVEL ??= 'silent';
  const out = (s = '') => process.stdout.write(`${s}\n`);
  const tape = parseCsvTape(await readFile(tapePath, 'utf8'), { source: tapePath });
  const days = [...new Set(tape.flatMap((m) => (m.type === 'session' ? [m.tradingDay] : [])))];
  const mysqlUrl = process.env.MYSQL_URL;
  const db = mysqlUrl ? new MySqlDatabase(mysqlUrl) : undefined;
  const store = db ? new MySqlSettlementStore(db) : undefined;
  const ledger = db ? new MySqlOrderLedger(db) : undefined;
  await store?.init();
  await ledger?.init();
  out(`Ginkgo Live demo: ${tape.length} market events over ${days.join(', ')}, ${Object.keys(demoPortfolios).length} portfolios`);
  out(`  stores: ${db ? `MySQL (${mysqlUrl?.replace(/\/\/[^@]*@/, '//')}) for the gateway ledger and settlement reports` : 'in-memory'}; bus: in-memory`);
  const run = await runEmbedded(demoPortfolios, tape, {
    ...(ledger ? { ledger } : {}),
    ...(store ? { onSettlement: (r: SettlementRecord) => store.save(r) } : {}),
    progressEvery: 100,
    onProgress: (done, total) => process.stderr.write(`\r  replaying ${done}/${total} events (${Math.round((done / total) * 100)}%)${done === total ? '\n' : ''}`),
  });
  out(`\nOrders (${run.orders.length})`);
  for (const o of run.orders) {
    const outcome = run.events.filter((e) => e.clientOrderId === o.clientOrderId).at(-1);
    out(`  ${new Date(o.ts + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ')}  ${o.clientOrderId.padEnd(22)} ${o.side.padEnd(4)} ${o.code} ${String(o.volume).padStart(6)} @ ${minorToDecimal(o.price).padStart(7)}  -> ${outcome?.event ?? 'no answer'}${outcome?.event === 'REJECTED' ? ` (${outcome.reason})` : ''}`);
  }
  out('\nSummary');
  const header = ['portfolio', 'initial', 'equity', 'cash', 'realised', 'fees', 'orders', 'fills', 'rejected', 'positions'];
  const rows = run.views.map((v) => {
    const id = v.portfolioId;
    const orders = run.orders.filter((o) => o.portfolioId === id);
    const fills = run.events.filter((e) => e.portfolioId === id && e.fillVolume !== undefined).length;
    const rejected = run.rejections.filter((e) => e.portfolioId === id).length;
    const initial = demoPortfolios[id as keyof typeof demoPortfolios].initialCash;
    return [id, initial, minorToDecimal(v.equity), minorToDecimal(v.cash), minorToDecimal(v.realizedPnl), minorToDecimal(v.feesPaid), String(orders.length), String(fills), String(rejected), v.positions.map((p) => `${p.code}:${p.volume}(${p.sellable})`).join(' ') || '-'];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')}`;
  out(line(header));
  out(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const r of rows) out(line(r));
  out('  positions: code:volume(sellable); T+1 makes shares bought on the last day unsellable until the next');
  const reportDir = resolve(process.env.DEMO_REPORT_DIR ?? 'reports/demo');
  await mkdir(reportDir, { recursive: true });
  const reportPath = resolve(reportDir, 'settlement-report.html');
  await writeFile(reportPath, combinedReport(run.settlements));
  out(`\nSettlement report (${run.settlements.length} daily settlements, HTML with equity curves): ${reportPath}`);
  if (store) out('  also stored in MySQL table settlement_report (one row per portfolio and day, JSON and HTML)');
  await db?.close();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    process.stderr.write(`demo failed: ${String(err)}\n`);
    process.exit(1);
  });
}
