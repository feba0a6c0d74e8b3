import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { MarketDataMessage, minorToDecimal } from '@ginkgo/contracts';
import { z } from 'zod';
import { runEmbedded } from './embedded-system.js';

/** `make demo`: two portfolios over a bundled one-day tape, no servers needed. */
const tapePath = fileURLToPath(new URL('../../tapes/demo-cn-2026-11-24.json', import.meta.url));

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
    initialCash: '200000.00',
    strategy: { name: 'buy-and-hold', params: {} },
    sizer: { name: 'fixed-volume', params: { volume: 500 } },
    interestedCodes: ['600000.SH'],
  },
};

async function main(): Promise<void> {
  process.env.LOG_LEVEL ??= 'silent';
  const tape = z.array(MarketDataMessage).parse(JSON.parse(await readFile(tapePath, 'utf8')));
  const run = await runEmbedded(demoPortfolios, tape);
  const out = (s = '') => process.stdout.write(`${s}\n`);
  out(`Ginkgo Live demo: ${tape.length} market events, ${Object.keys(demoPortfolios).length} portfolios (embedded, in-memory)`);
  out('\nOrders');
  for (const o of run.orders) {
    out(`  ${new Date(o.ts).toISOString()}  ${o.clientOrderId.padEnd(22)} ${o.side.padEnd(4)} ${o.code} ${String(o.volume).padStart(6)} @ ${minorToDecimal(o.price)}  ${o.reason}`);
  }
  out('\nFills');
  for (const e of run.events.filter((e) => e.fillVolume !== undefined)) {
    out(`  ${e.clientOrderId.padEnd(22)} ${e.event.padEnd(16)} ${String(e.fillVolume).padStart(6)} @ ${minorToDecimal(e.fillPrice ?? 0)}`);
  }
  out('\nFinal state');
  for (const v of run.views) {
    out(`  ${v.portfolioId}: cash ${minorToDecimal(v.cash)}  equity ${minorToDecimal(v.equity)}  realised ${minorToDecimal(v.realizedPnl)}  fees ${minorToDecimal(v.feesPaid)}`);
    for (const p of v.positions) {
      out(`    ${p.code} ${p.volume} shares (sellable ${p.sellable}) avg cost ${minorToDecimal(p.avgCostMinor)} value ${minorToDecimal(p.marketValue)}`);
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    process.stderr.write(`demo failed: ${String(err)}\n`);
    process.exit(1);
  });
}
