import type { MarketDataMessage } from '@ginkgo/contracts';
import { formatCsvTape, generateSampleTape, parseCsvTape } from '@ginkgo/livecore';

/**
 * The bundled sample tape on codes of this run only (each on the board of the code it replaces, so the same
 * price limits hold), through the CSV format `ginkgo backtest --tape` reads: what the backtest reads and what
 * the feeder publishes are the same messages. Other tests' ticks and the paper exchange's history of other
 * runs cannot touch these codes.
 */
export function sampleTapeOfThisRun(sample: MarketDataMessage[] = generateSampleTape()): {
  tape: MarketDataMessage[];
  codes: Map<string, string>;
  csv: string;
} {
  const codes = new Map<string, string>();
  const taken = new Set<string>();
  for (const m of sample) {
    if (m.type === 'session' || codes.has(m.code)) continue;
    let code: string;
    do code = `${m.code.slice(0, 2)}${String(Math.floor(Math.random() * 10000)).padStart(4, '0')}${m.code.slice(6)}`;
    while (taken.has(code) || code === m.code);
    taken.add(code);
    codes.set(m.code, code);
  }
  const csv = formatCsvTape(sample.map((m) => (m.type === 'session' ? m : { ...m, code: codes.get(m.code)! })));
  return { tape: parseCsvTape(csv, { source: 'sample tape of this run' }), codes, csv };
}
