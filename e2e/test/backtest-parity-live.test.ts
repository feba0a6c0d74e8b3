import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { PortfolioSpec, type SubmitOrder } from '@ginkgo/contracts';
import { loadStrategyPackages, nodeStatusOf } from '@ginkgo/node-runtime';
import { runBacktest } from '@ginkgo/sdk';
import { main } from '@ginkgo/cli';
import { E2eCluster } from '../../operator/test/e2e-harness.js';
import { kubectl } from './support/command.js';
import { repoRoot } from './support/processes.js';
import { TapeDriver } from './support/tape-driver.js';
import { sampleTapeOfThisRun } from './support/run-tape.js';

/**
 * What a team backtests is what runs: the example strategy package's Portfolio (examples/strategy-package) is
 * backtested with `ginkgo backtest` over a tape, then applied with kubectl to the real operator, and the same
 * tape goes feeder -> Kafka -> node-runtime (the package loaded from STRATEGY_PACKAGES) -> gateway -> paper
 * exchange. Orders, fills, cash, positions and equity must be identical.
 *
 * The live path is asynchronous where the backtest is sequential: the tape goes one message at a time, the next
 * only once the whole system is quiet (every consumer group has committed everything on its topics, which each
 * process does only after the effects, and the gateway has no broker report left to publish), the order the
 * backtest applies things in.
 */

describe('parity: ginkgo backtest and the live path through kubectl, the operator and real processes', () => {
  const c = new E2eCluster('parity', 15);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ginkgo-parity-live-'));
  let nodeId: string;
  beforeAll(async () => {
    await c.start({ livecore: true });
    nodeId = await c.startNode('p1', { STRATEGY_PACKAGES: '@acme/strategies' });
  }, 180_000);
  afterAll(() => c.stop(), 60_000);

  test('the example package Portfolio: same orders, fills, cash, positions and equity', async () => {
    const { tape, codes, csv } = sampleTapeOfThisRun();
    const name = `acme-vwap-${c.suffix}`;
    // The example's own manifest, on this run's codes and with a name of its own (client order ids derive from it).
    const example = parse(readFileSync(path.join(repoRoot, 'examples/strategy-package/portfolio.yaml'), 'utf8')) as {
      spec: { interestedCodes: string[] };
    };
    const spec = { ...example.spec, interestedCodes: example.spec.interestedCodes.map((x) => codes.get(x)!) };
    const manifest = path.join(dir, 'portfolio.yaml');
    writeFileSync(
      manifest,
      stringify({
        apiVersion: 'ginkgo.live/v1alpha1',
        kind: 'Portfolio',
        metadata: { name, namespace: c.namespace },
        spec,
      }),
    );
    const tapeFile = path.join(dir, 'tape.csv');
    writeFileSync(tapeFile, csv);

    // The backtest: the CLI (its report), and the SDK for every order and fill.
    const quietIo = { log: () => undefined, err: () => undefined, isTTY: false };
    const args = ['backtest', '-f', manifest, '--tape', tapeFile, '--package', '@acme/strategies', '--report', dir];
    expect(await main(args, quietIo)).toBe(0);
    const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as {
      portfolios: {
        statistics: { endEquity: number };
        trades: { clientOrderId: string; volume: number; price: number }[];
      }[];
    };
    const { registry } = await loadStrategyPackages(['@acme/strategies']);
    const [bt] = runBacktest([{ id: name, spec: PortfolioSpec.parse(spec) }], tape, { registry });
    expect(bt!.fills.length).toBeGreaterThanOrEqual(4); // a tape on which the strategy really trades

    // Live: kubectl apply, then the tape through the feeder, one message at a time.
    const applied = kubectl(['apply', '-f', manifest]);
    expect(applied).toMatchObject({ code: 0 });
    await c.running(name, nodeId);
    const driver = await TapeDriver.start(c, [name], () => [nodeId]);
    try {
      await driver.play(tape);
      const last = tape.at(-1)!.ts;
      const final = nodeStatusOf(bt!.final, nodeId);
      const p = await c.until(
        'the final status',
        name,
        (x) => !!x.status?.lastEventTime && Date.parse(x.status.lastEventTime) >= last,
        30_000,
      );
      const submits = driver.orders.filter((o): o is SubmitOrder => o.type === 'submit');
      const orderKey = (o: SubmitOrder) =>
        `${o.clientOrderId} ${o.code} ${o.side} ${o.orderType} ${o.volume}@${o.price} ${o.ts}`;
      expect(submits.map(orderKey)).toEqual(bt!.orders.map(orderKey));
      const fillKey = (id: string, fillId: string, volume: number, price: number) =>
        `${id} ${fillId} ${volume}@${price}`;
      expect(
        driver.events
          .filter((e) => e.fillId)
          .map((e) => fillKey(e.clientOrderId, e.fillId!, e.fillVolume!, e.fillPrice!)),
      ).toEqual(bt!.fills.map((f) => fillKey(f.clientOrderId, f.fillId, f.volume, f.price)));
      const figures = (s: typeof final) => ({
        cash: s.cash,
        equity: s.equity,
        realizedPnl: s.realizedPnl,
        positions: s.positions,
      });
      expect(figures(p.status!)).toEqual(figures(final));
      // The CLI's report: the same trades and the same end equity.
      const [r] = report.portfolios;
      expect(r!.trades.map((t) => `${t.clientOrderId} ${t.volume}@${t.price}`)).toEqual(
        bt!.fills.map((f) => `${f.clientOrderId} ${f.volume}@${f.price}`),
      );
      expect(r!.statistics.endEquity).toBe(bt!.final.equity);
      process.stdout.write(
        `parity (live via kubectl): ${submits.length} orders, ${bt!.fills.length} fills, end equity ${p.status!.equity} on both sides\n`,
      );
    } finally {
      await driver.close();
    }
  }, 600_000);
});
