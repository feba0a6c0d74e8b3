import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  compareBenchReports,
  formatBenchChanges,
  mergeBenchFigures,
  readBenchReport,
  type BenchReport,
} from '../src/index.js';

const a: BenchReport = [
  { name: 'engine.pf1.eventsPerSec', value: 800000, unit: 'events/s', better: 'higher' },
  { name: 'engine.pf500.usPerEvent', value: 3.4, unit: 'us', better: 'lower' },
  { name: 'operator.rss.mb', value: 200, unit: 'MB', better: 'lower' },
  { name: 'failover.seconds', value: 7, unit: 's', better: 'lower' },
];
const b: BenchReport = [
  { name: 'engine.pf1.eventsPerSec', value: 600000, unit: 'events/s', better: 'higher' },
  { name: 'engine.pf500.usPerEvent', value: 1.0, unit: 'us', better: 'lower' },
  { name: 'operator.rss.mb', value: 204, unit: 'MB', better: 'lower' },
  { name: 'node.rss.pf500.mb', value: 250, unit: 'MB', better: 'lower' },
];

test('bench-compare calls a drop in throughput and a rise in cost worse, within 5% the same, and lists new and gone figures', () => {
  const byName = Object.fromEntries(compareBenchReports(a, b).map((c) => [c.name, c]));
  expect(byName['engine.pf1.eventsPerSec']).toMatchObject({ verdict: 'worse', changePct: -25 });
  expect(byName['engine.pf500.usPerEvent']).toMatchObject({ verdict: 'better' });
  expect(byName['operator.rss.mb']).toMatchObject({ verdict: 'same', changePct: 2 });
  expect(byName['node.rss.pf500.mb']).toMatchObject({ verdict: 'new', after: 250 });
  expect(byName['failover.seconds']).toMatchObject({ verdict: 'gone', before: 7 });
  const table = formatBenchChanges(compareBenchReports(a, b));
  expect(table.split('\n')[0]).toMatch(/^figure\s+A\s+B\s+unit\s+change/);
  expect(table).toMatch(/engine\.pf1\.eventsPerSec\s+800000\s+600000\s+events\/s\s+-25%\s+worse/);
});

test('each bench adds its figures to the report, replacing earlier figures of the same name', () => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'bench-')), 'reports', 'bench.json');
  mergeBenchFigures(file, a.slice(0, 2));
  mergeBenchFigures(file, [{ name: 'engine.pf1.eventsPerSec', value: 1, unit: 'events/s' }, a[3]!]);
  expect(readBenchReport(file).map((f) => [f.name, f.value])).toEqual([
    ['engine.pf500.usPerEvent', 3.4],
    ['engine.pf1.eventsPerSec', 1],
    ['failover.seconds', 7],
  ]);
  expect(readFileSync(file, 'utf8').endsWith('\n')).toBe(true);
});
