import { PortfolioSpec } from '@ginkgo/contracts';
import { parseCsvTape } from '@ginkgo/livecore';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { hkDemoPortfolios, runEmbedded } from '../src/index.js';

describe('the embedded pipeline on the Hong Kong market', () => {
  test('a Portfolio on the HK market runs through the embedded pipeline with its own lots and fees, nothing rejected', async () => {
    const path = fileURLToPath(new URL('../../livecore/tapes/hk-sample-3d.csv', import.meta.url));
    const tape = parseCsvTape(await readFile(path, 'utf8'), { market: 'hk', source: path });
    const run = await runEmbedded(hkDemoPortfolios, tape, { market: 'hk' });
    expect(run.orders.length).toBeGreaterThan(5);
    expect(run.rejections).toEqual([]);
    const lots: Record<string, number> = { '0700.HK': 100, '0005.HK': 400, '0941.HK': 500 };
    for (const o of run.orders) expect(o.volume % lots[o.code]!).toBe(0);
    expect(run.settlements.map((s) => s.currency)).toEqual(expect.arrayContaining(['HKD']));
    // shares bought and sold on the same day (no T+1) happen on this tape
    const day = (ts: number) => new Date(ts + 8 * 3_600_000).toISOString().slice(0, 10);
    const sameDay = run.orders.some(
      (s) =>
        s.side === 'SELL' &&
        run.orders.some((b) => b.side === 'BUY' && b.code === s.code && day(b.ts) === day(s.ts) && b.ts < s.ts),
    );
    expect(sameDay).toBe(true);
    const spec = PortfolioSpec.parse(hkDemoPortfolios['hk-ma-cross-demo']);
    expect(spec.commission).toEqual({ rate: '0.0003', minimum: '3.00' });
    expect(run.views.find((v) => v.portfolioId === 'hk-ma-cross-demo')?.feesPaid).toBeGreaterThan(0);
  });
});
