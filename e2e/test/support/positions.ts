import type { MySqlDatabase } from '@ginkgo/platform';

/** The volumes of `code` among the portfolio's persisted positions (at most one row). */
export async function positionVolumes(db: MySqlDatabase, portfolioId: string, code: string): Promise<number[]> {
  const rows = await db.query<{ volume: number }>(
    'SELECT volume FROM portfolio_position WHERE portfolio_id = ? AND code = ?',
    [portfolioId, code],
  );
  return rows.map((r) => Number(r.volume));
}
