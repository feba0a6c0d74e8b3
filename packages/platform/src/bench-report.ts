import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * One benchmark figure as `make bench` writes it to reports/bench.json. `baseline` is a reference measured in
 * the same run on the same machine (a raw client, a no-op strategy), `ratio` = value / baseline; `better` says
 * which way is an improvement, so that `make bench-compare` can call a change a regression.
 */
export const BenchFigure = z.object({
  name: z
    .string()
    .regex(/^[a-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*$/, 'must be dotted camelCase, e.g. engine.pf1.eventsPerSec'),
  value: z.number().finite(),
  unit: z.string().min(1),
  baseline: z.number().finite().optional(),
  ratio: z.number().finite().optional(),
  better: z.enum(['higher', 'lower']).optional(),
  note: z.string().optional(),
});
export type BenchFigure = z.infer<typeof BenchFigure>;
export const BenchReport = z.array(BenchFigure);
export type BenchReport = z.infer<typeof BenchReport>;

export function readBenchReport(file: string): BenchReport {
  return BenchReport.parse(JSON.parse(readFileSync(file, 'utf8')));
}

/** Benches print each figure on a line of its own with this prefix; `make bench` collects them into the report. */
export const BENCH_FIGURE_PREFIX = 'BENCH_FIGURE ';

export function printBenchFigures(figures: BenchFigure[]): void {
  for (const f of figures) process.stdout.write(`${BENCH_FIGURE_PREFIX}${JSON.stringify(BenchFigure.parse(f))}\n`);
}

/** Adds figures to a report file, replacing figures of the same name (each workspace's bench adds its own). */
export function mergeBenchFigures(file: string, figures: BenchFigure[]): void {
  let current: BenchReport = [];
  try {
    current = readBenchReport(file);
  } catch {
    // none yet, or unreadable: start afresh
  }
  const names = new Set(figures.map((f) => f.name));
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify([...current.filter((f) => !names.has(f.name)), ...figures], null, 2)}\n`);
}

const round = (x: number) => Math.round(x * 1000) / 1000;
/** value / baseline, rounded, for figures measured against a reference in the same run. */
export function againstBaseline(figure: Omit<BenchFigure, 'ratio' | 'baseline'>, baseline: number): BenchFigure {
  return { ...figure, value: round(figure.value), baseline: round(baseline), ratio: round(figure.value / baseline) };
}

export interface BenchChange {
  name: string;
  unit: string;
  before?: number;
  after?: number;
  changePct?: number;
  verdict: 'better' | 'worse' | 'same' | 'new' | 'gone' | 'changed';
}

/** Figure by figure, how B differs from A; within `noisePct` counts as the same (shared 2-core machines). */
export function compareBenchReports(a: BenchReport, b: BenchReport, noisePct = 5): BenchChange[] {
  const before = new Map(a.map((f) => [f.name, f]));
  const after = new Map(b.map((f) => [f.name, f]));
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  return names.map((name) => {
    const x = before.get(name);
    const y = after.get(name);
    const unit = (y ?? x)!.unit;
    if (!x) return { name, unit, after: y!.value, verdict: 'new' };
    if (!y) return { name, unit, before: x.value, verdict: 'gone' };
    const changePct = x.value === 0 ? (y.value === 0 ? 0 : 100) : ((y.value - x.value) / Math.abs(x.value)) * 100;
    const better = y.better ?? x.better;
    let verdict: BenchChange['verdict'] = 'same';
    if (Math.abs(changePct) > noisePct) {
      verdict = better ? (changePct > 0 === (better === 'higher') ? 'better' : 'worse') : 'changed';
    }
    return { name, unit, before: x.value, after: y.value, changePct: Math.round(changePct * 10) / 10, verdict };
  });
}

export function formatBenchChanges(changes: BenchChange[]): string {
  const num = (v?: number) => (v === undefined ? '-' : String(v));
  const rows = changes.map((c) => [
    c.name,
    num(c.before),
    num(c.after),
    c.unit,
    c.changePct === undefined ? '' : `${c.changePct > 0 ? '+' : ''}${c.changePct}%`,
    c.verdict,
  ]);
  const head = ['figure', 'A', 'B', 'unit', 'change', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === 0 || i === 3 || i === 5 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}
