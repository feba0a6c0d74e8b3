import { settlementsTopic, type SettlementMessage } from '@ginkgo/contracts';
import { LivecoreConfig, startLivecore } from '../src/index.js';
import { eventually, kafka, mysql, requireEnv, uniqueSuffix } from './support.js';

test('S1.08 settlement records published by the nodes are stored by livecore in MySQL as JSON and a readable HTML report', async () => {
  const id = `stl-${uniqueSuffix()}`;
  const lc = await startLivecore(
    LivecoreConfig.parse({
      KAFKA_BROKERS: requireEnv('KAFKA_BROKERS'),
      MYSQL_URL: requireEnv('MYSQL_URL'),
      HEALTH_PORT: '0',
      MARKET: 'cn',
    }),
  );
  const bus = kafka(`settlement-test-${id}`);
  const db = mysql();
  try {
    const record: SettlementMessage = {
      portfolioId: id,
      tradingDay: '2026-11-24',
      ts: Date.UTC(2026, 10, 24, 7, 30),
      currency: 'CNY',
      cash: 9_898_995,
      equity: 10_005_495,
      previousEquity: 10_000_000,
      dailyPnl: 5_495,
      realizedPnl: 0,
      unrealizedPnl: 6_500,
      feesPaid: 1_005,
      dailyFees: 1_005,
      dailyRealizedPnl: 0,
      expiredOrders: [],
      positions: [
        {
          code: '600000.SH',
          volume: 100,
          sellable: 0,
          avgCostMinor: 1010.05,
          closePrice: 1075,
          marketValue: 107_500,
          unrealizedPnl: 6_500,
          suspended: false,
        },
      ],
      equityCurve: [{ tradingDay: '2026-11-24', equity: 10_005_495 }],
    };
    const producer = await bus.producer();
    // Published twice (a replayed settlement): stored once per portfolio and day.
    for (let i = 0; i < 2; i++)
      await producer.send(settlementsTopic('cn'), [{ key: id, value: JSON.stringify(record) }]);
    await producer.close();
    const rows = await eventually('report stored', async () => {
      const r = await db.query<{ record: string; html: string }>(
        'SELECT record, html FROM settlement_report WHERE portfolio_id = ?',
        [id],
      );
      return r.length ? r : undefined;
    });
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]!.record)).toMatchObject({ portfolioId: id, tradingDay: '2026-11-24', dailyPnl: 5_495 });
    expect(rows[0]!.html).toMatch(/<html/i);
    expect(rows[0]!.html).toContain('600000.SH');
    expect(rows[0]!.html).toContain('<svg');
  } finally {
    await db.execute('DELETE FROM settlement_report WHERE portfolio_id = ?', [id]).catch(() => undefined);
    await db.close();
    await bus.close();
    await lc.stop();
  }
});
