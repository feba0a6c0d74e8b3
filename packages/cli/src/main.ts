import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ValidationError } from '@ginkgo/contracts';
import { marketById } from '@ginkgo/core';
import { loadStrategyPackages, parsePackageList } from '@ginkgo/node-runtime';
import { runBacktest } from '@ginkgo/sdk';
import { money, num, pct } from './format.js';
import { readPortfolios } from './portfolio-file.js';
import { renderReport } from './report-html.js';
import { reportOf, type RunReport } from './stats.js';
import { readTape, sliceTape } from './tape-file.js';

const HELP = `ginkgo: the platform's engine offline

Usage:
  ginkgo backtest -f portfolio.yaml [-f other.yaml ...] --tape data.csv|sample [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--report DIR]
  ginkgo validate -f portfolio.yaml [-f ...]
  ginkgo components [--json]
  ginkgo --help

  -f, --file      Portfolio YAML as given to kubectl apply (several documents and several -f allowed)
  --tape          CSV tape: "code,ts,price,volume[,prev_close]" (ticks), "code,ts,open,high,low,close,volume[,prev_close]"
                  (bars) or the feeder's event format; "sample" is the demo's bundled three-day tape
  --from, --to    First and last trading day to use (inclusive)
  --report DIR    Writes DIR/report.html (self-contained) and DIR/report.json (the same numbers)
  --package P     Strategy package to load (also STRATEGY_PACKAGES=a,b); components are named <package>/<name>

Exit status: 0 ok, 1 failure, 2 invalid input (each problem printed with its file, line or field).
`;

type Out = { log: (s: string) => void; err: (s: string) => void; isTTY: boolean };

export async function main(
  argv: string[],
  out: Out = {
    log: (s) => process.stdout.write(s + '\n'),
    err: (s) => process.stderr.write(s),
    isTTY: Boolean(process.stderr.isTTY),
  },
): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    out.log(HELP);
    return command ? 0 : 2;
  }
  let args: ReturnType<typeof parse>;
  const parse = (a: string[]) =>
    parseArgs({
      args: a,
      options: {
        file: { type: 'string', short: 'f', multiple: true },
        tape: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        report: { type: 'string' },
        package: { type: 'string', multiple: true },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
  try {
    args = parse(rest);
  } catch (err) {
    out.err(`ginkgo ${command}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  if (args.values.help) {
    out.log(HELP);
    return 0;
  }
  try {
    const packages = [...parsePackageList(process.env.STRATEGY_PACKAGES), ...(args.values.package ?? [])];
    const { registry } = await loadStrategyPackages(packages);
    switch (command) {
      case 'components': {
        const list = registry.describe();
        if (args.values.json) out.log(JSON.stringify(list, null, 2));
        else
          for (const c of list)
            out.log(
              `${c.kind.padEnd(9)} ${c.name.padEnd(36)} ${c.version.padEnd(8)} ${c.description}\n${' '.repeat(10)}params: ${JSON.stringify(paramsSummary(c.params))}`,
            );
        return 0;
      }
      case 'validate': {
        const files = need(args.values.file, '-f');
        const docs = readPortfolios(files, registry);
        for (const d of docs)
          out.log(
            `${d.file}: portfolio ${d.name} is valid (strategy ${d.spec.strategy.name}, ${d.spec.interestedCodes.length} codes)`,
          );
        return 0;
      }
      case 'backtest':
        // Awaited here so that its errors reach the catch below (bad arguments exit 2 with the reason).
        return await backtest(args.values, registry, out);
      default:
        out.err(`ginkgo: unknown command "${command}"\n${HELP}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof ValidationError) {
      out.err(`${err.message}\n`);
      return 2;
    }
    out.err(`ginkgo ${command}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

function need<T>(v: T | undefined, flag: string): T {
  if (v === undefined || (Array.isArray(v) && v.length === 0))
    throw new ValidationError('arguments', [`${flag} is required`]);
  return v;
}

function paramsSummary(schema: unknown): Record<string, string> {
  const props = (schema as { properties?: Record<string, { type?: string }> } | null)?.properties ?? {};
  const required = new Set((schema as { required?: string[] } | null)?.required ?? []);
  return Object.fromEntries(
    Object.entries(props).map(([k, v]) => [k, `${v.type ?? 'any'}${required.has(k) ? '' : '?'}`]),
  );
}

async function backtest(
  v: { file?: string[]; tape?: string; from?: string; to?: string; report?: string },
  registry: Parameters<typeof readPortfolios>[1],
  out: Out,
): Promise<number> {
  const files = need(v.file, '-f');
  const tapePath = need(v.tape, '--tape');
  for (const [flag, d] of [
    ['--from', v.from],
    ['--to', v.to],
  ] as const) {
    if (d !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(d))
      throw new ValidationError('arguments', [`${flag}: "${d}" must be YYYY-MM-DD`]);
  }
  const docs = readPortfolios(files, registry);
  // A tape is one market's: the portfolios name it, and its rules (sessions, lots, fees, limits) read the tape.
  const markets = [...new Set(docs.map((d) => d.spec.market))];
  if (markets.length > 1)
    throw new ValidationError('portfolios', [
      `spec.market: one tape is one market's, the files name ${markets.join(' and ')}; backtest each market on its own tape`,
    ]);
  const rules = marketById(markets[0] ?? 'cn');
  const tape = sliceTape(readTape(tapePath, rules), rules, v.from, v.to);
  if (!tape.length) throw new ValidationError(tapePath, ['no events in the chosen days']);
  const started = Date.now();
  const progress = progressReporter(out, tape.length);
  const runs = runBacktest(
    docs.map((d) => ({ id: d.name, spec: d.spec })),
    tape,
    { registry, market: rules, onProgress: progress, progressEvery: Math.max(1, Math.floor(tape.length / 100)) },
  );
  const reports = runs.map(reportOf);
  out.log(summaryTable(reports));
  out.log(`${tape.length} events, ${docs.length} portfolio(s), ${((Date.now() - started) / 1000).toFixed(2)} s`);
  if (v.report) {
    const dir = resolve(v.report);
    mkdirSync(dir, { recursive: true });
    const meta = { tape: tapePath, ...(v.from ? { from: v.from } : {}), ...(v.to ? { to: v.to } : {}) };
    writeFileSync(join(dir, 'report.json'), JSON.stringify({ ...meta, portfolios: reports }, null, 2));
    writeFileSync(join(dir, 'report.html'), renderReport(reports, meta));
    out.log(`report: ${join(dir, 'report.html')} and report.json`);
  }
  return 0;
}

function progressReporter(out: Out, total: number): (done: number, total: number) => void {
  let lastPct = -1;
  return (done) => {
    const p = Math.floor((done / total) * 100);
    if (p === lastPct) return;
    lastPct = p;
    if (out.isTTY) {
      const width = 30;
      const filled = Math.round((p / 100) * width);
      out.err(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(p).padStart(3)}% ${done}/${total} events${done === total ? '\n' : ''}`,
      );
    } else if (p % 10 === 0) out.err(`progress ${p}% (${done}/${total} events)\n`);
  };
}

export function summaryTable(reports: readonly RunReport[]): string {
  const head = [
    'portfolio',
    'strategy',
    'end equity',
    'total',
    'annual',
    'vol',
    'sharpe',
    'max dd',
    'win',
    'trades',
    'fees',
  ];
  const rows = reports.map((r) => {
    const s = r.statistics;
    return [
      r.portfolioId,
      r.strategy,
      money(s.endEquity),
      pct(s.totalReturn),
      pct(s.annualisedReturn),
      pct(s.volatility),
      num(s.sharpe),
      pct(s.maxDrawdown),
      pct(s.winRate),
      String(s.trades),
      money(s.fees),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
