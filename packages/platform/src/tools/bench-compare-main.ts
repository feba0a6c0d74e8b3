import { compareBenchReports, formatBenchChanges, readBenchReport } from '../bench-report.js';

/** `make bench-compare A B`: how each figure of bench report B differs from A. Exit 1 on unreadable input. */
const [a, b] = process.argv.slice(2);
if (!a || !b) {
  process.stderr.write('usage: make bench-compare OLD.json NEW.json (two reports written by `make bench`)\n');
  process.exit(2);
}
try {
  const changes = compareBenchReports(readBenchReport(a), readBenchReport(b));
  process.stdout.write(`${formatBenchChanges(changes)}\n`);
  const worse = changes.filter((c) => c.verdict === 'worse').map((c) => c.name);
  process.stdout.write(
    worse.length ? `\nworse by more than 5%: ${worse.join(', ')}\n` : '\nno figure worse by more than 5%\n',
  );
} catch (err) {
  process.stderr.write(`bench-compare: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
