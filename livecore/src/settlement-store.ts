import { settlementReportHtml, settlementReportJson, type SettlementRecord } from '@ginkgo/core';
import { numberedMigrations, type MySqlDatabase } from '@ginkgo/platform';

export const settlementMigrations = numberedMigrations([
  'settlement_report',
  `CREATE TABLE IF NOT EXISTS settlement_report (
         portfolio_id VARCHAR(128) NOT NULL,
         trading_day DATE NOT NULL,
         record MEDIUMTEXT NOT NULL,
         html MEDIUMTEXT NOT NULL,
         created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
         PRIMARY KEY (portfolio_id, trading_day)
       ) ENGINE=InnoDB`,
]);

/** End-of-day settlement reports (from the core) kept in MySQL, readable as JSON or self-contained HTML. */
export class MySqlSettlementStore {
  constructor(private readonly db: MySqlDatabase) {}

  async init(): Promise<void> {
    await this.db.migrate(settlementMigrations, 'livecore_settlement_migrations');
  }

  /** Idempotent per portfolio and day: a re-run settlement replaces the day's report. */
  async save(r: SettlementRecord): Promise<void> {
    await this.db.execute(
      'INSERT INTO settlement_report (portfolio_id, trading_day, record, html) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE record = VALUES(record), html = VALUES(html)',
      [r.portfolioId, r.tradingDay, settlementReportJson(r), settlementReportHtml(r)],
    );
  }

  async html(portfolioId: string, tradingDay: string): Promise<string | undefined> {
    const [row] = await this.db.query<{ html: string }>(
      'SELECT html FROM settlement_report WHERE portfolio_id = ? AND trading_day = ?',
      [portfolioId, tradingDay],
    );
    return row?.html;
  }

  async record(portfolioId: string, tradingDay: string): Promise<SettlementRecord | undefined> {
    const [row] = await this.db.query<{ record: string }>(
      'SELECT record FROM settlement_report WHERE portfolio_id = ? AND trading_day = ?',
      [portfolioId, tradingDay],
    );
    return row ? (JSON.parse(row.record) as SettlementRecord) : undefined;
  }
}
