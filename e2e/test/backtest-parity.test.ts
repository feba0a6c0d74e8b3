import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { PortfolioSpec } from '@ginkgo/contracts';
import { KafkaMessageBus, PrefixedTopicBus, createLogger, deleteKafkaResources } from '@ginkgo/platform';
import { generateSampleTape } from '@ginkgo/livecore';
import { runBacktest } from '@ginkgo/sdk';
import { main } from '@ginkgo/cli';
import { TrackingBus, runEmbedded } from '@ginkgo/demo';

const specs: Record<string, unknown> = {
  'parity-ma': {
    initialCash: '1000000.00',
    strategy: { name: 'ma-cross', params: { short: 3, long: 10 } },
    sizer: { name: 'fixed-value', params: { value: 200000 } },
    interestedCodes: ['600000.SH', '000001.SZ', '300750.SZ', '601318.SH'],
  },
  'parity-hold': { initialCash: '500000.00', strategy: { name: 'buy-and-hold' }, interestedCodes: ['300750.SZ'] },
};

test('one tape through ginkgo backtest and through feeder -> Kafka -> node -> gateway -> paper exchange: same orders, fills, cash, positions, equity', async () => {
  const brokers = process.env.KAFKA_BROKERS!.split(',');
  const tape = generateSampleTape();
  // Backtest: the CLI on the Portfolio YAML, with its JSON report.
  const dir = mkdtempSync(join(tmpdir(), 'ginkgo-parity-'));
  const files = Object.entries(specs).map(([name, spec]) => {
    const f = join(dir, `${name}.yaml`);
    writeFileSync(f, stringify({ apiVersion: 'ginkgo.live/v1alpha1', kind: 'Portfolio', metadata: { name }, spec }));
    return f;
  });
  const quiet = { log: () => undefined, err: () => undefined, isTTY: false };
  expect(
    await main(
      ['backtest', ...files.flatMap((f) => ['-f', f]), '--tape', 'sample', '--report', join(dir, 'out')],
      quiet,
    ),
  ).toBe(0);
  const report = JSON.parse(readFileSync(join(dir, 'out/report.json'), 'utf8')) as {
    portfolios: {
      portfolioId: string;
      statistics: { endEquity: number };
      trades: { clientOrderId: string; volume: number; price: number }[];
    }[];
  };
  const backtest = runBacktest(
    Object.entries(specs).map(([id, s]) => ({ id, spec: PortfolioSpec.parse(s) })),
    tape,
  );

  // Live path over the test bed's Kafka (topics of this run only).
  const runId = `parity-${Date.now().toString(36)}`;
  const prefixed = new PrefixedTopicBus(
    new KafkaMessageBus({ brokers, clientId: runId, logger: createLogger('parity') }),
    { prefix: `${runId}.` },
  );
  const bus = new TrackingBus(prefixed);
  try {
    const live = await runEmbedded(specs, tape, { infra: { bus } });
    const liveFills = live.events
      .filter((e) => e.fillId)
      .map((e) => `${e.clientOrderId} ${e.fillId} ${e.fillVolume}@${e.fillPrice}`);
    expect(live.orders.length).toBeGreaterThan(3);
    expect(live.orders.map((o) => o.clientOrderId).sort()).toEqual(
      backtest.flatMap((r) => r.orders.map((o) => o.clientOrderId)).sort(),
    );
    expect(liveFills.sort()).toEqual(
      backtest.flatMap((r) => r.fills.map((f) => `${f.clientOrderId} ${f.fillId} ${f.volume}@${f.price}`)).sort(),
    );
    for (const p of report.portfolios) {
      const view = live.views.find((v) => v.portfolioId === p.portfolioId)!;
      const bt = backtest.find((r) => r.portfolioId === p.portfolioId)!.final;
      expect({ id: p.portfolioId, cash: view.cash, equity: view.equity, positions: view.positions }).toEqual({
        id: p.portfolioId,
        cash: bt.cash,
        equity: bt.equity,
        positions: bt.positions,
      });
      // The CLI's report shows the same trades and the same final equity (its last settlement).
      const liveTrades = live.events
        .filter((e) => e.fillId && e.portfolioId === p.portfolioId)
        .map((e) => `${e.clientOrderId} ${e.fillVolume}@${e.fillPrice}`);
      expect(p.trades.map((t) => `${t.clientOrderId} ${t.volume}@${t.price}`).sort()).toEqual(liveTrades.sort());
      expect(p.statistics.endEquity).toBe(
        live.settlements.filter((s) => s.portfolioId === p.portfolioId).at(-1)!.equity,
      );
    }
  } finally {
    await bus.close();
    await deleteKafkaResources({ brokers, topics: prefixed.topics(), groups: prefixed.groups() });
  }
}, 300_000);
