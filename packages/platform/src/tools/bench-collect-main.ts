import readline from 'node:readline';
import { BENCH_FIGURE_PREFIX, BenchFigure, mergeBenchFigures } from '../bench-report.js';

/**
 * `make bench` pipes every bench's output through this: lines pass on unchanged, figure lines
 * (BENCH_FIGURE {...}) are also merged into the report file given as the first argument.
 */
const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: bench-collect REPORT.json < bench output\n');
  process.exit(2);
}
const figures: BenchFigure[] = [];
const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => {
  process.stdout.write(`${line}\n`);
  if (!line.startsWith(BENCH_FIGURE_PREFIX)) return;
  const parsed = BenchFigure.safeParse(JSON.parse(line.slice(BENCH_FIGURE_PREFIX.length)));
  if (parsed.success) figures.push(parsed.data);
  else
    process.stderr.write(
      `bench-collect: figure refused (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}): ${line}\n`,
    );
});
lines.on('close', () => {
  mergeBenchFigures(file, figures);
  process.stdout.write(`bench-collect: ${figures.length} figures written to ${file}\n`);
});
