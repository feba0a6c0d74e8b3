/**
 * Test files run in parallel against one Kafka: market.data.cn is shared, and a node trades every
 * tick of every code its portfolios want. Each test therefore trades codes of its own, drawn at
 * random from the main boards (±10% limits), so that no other test's ticks can reach it.
 */
export function uniqueCodes(n: number, board: 'SH' | 'SZ' = 'SH'): string[] {
  const codes = new Set<string>();
  const prefix = board === 'SH' ? '60' : '00';
  while (codes.size < n) {
    codes.add(`${prefix}${String(Math.floor(Math.random() * 10000)).padStart(4, '0')}.${board}`);
  }
  return [...codes];
}
