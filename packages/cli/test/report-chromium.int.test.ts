import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../src/main.js';
import { money, num, pct } from '../src/format.js';
import type { Statistics } from '../src/stats.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const dir = mkdtempSync(join(tmpdir(), 'ginkgo-report-'));

/** Debian's chromium, installed with the test bed's apt helper when missing (idempotent). */
function chromium(): string {
  const bin = '/usr/bin/chromium';
  if (!existsSync(bin))
    execFileSync('bash', ['-c', `source ${join(repo, 'e2e/testbed/lib.sh')} && apt_install chromium`], {
      stdio: 'inherit',
    });
  return bin;
}

function render(html: string, shot: string): { dom: string; log: string } {
  const common = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--hide-scrollbars',
    '--enable-logging=stderr',
    '--v=0',
    '--window-size=1300,1800',
  ];
  const a = spawnSync(chromium(), [...common, `--screenshot=${shot}`, `file://${html}`], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  const b = spawnSync(chromium(), [...common, '--dump-dom', `file://${html}`], {
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 << 20,
  });
  return { dom: b.stdout, log: `${a.stderr}\n${b.stderr}` };
}

const KIND: Record<keyof Statistics, (v: never) => string> = {
  startEquity: money,
  endEquity: money,
  fees: money,
  totalReturn: pct,
  annualisedReturn: pct,
  volatility: pct,
  maxDrawdown: pct,
  winRate: pct,
  sharpe: num,
  sortino: num,
  profitFactor: num,
  turnover: num,
  maxDrawdownPeak: (v: string | null) => v ?? 'n/a',
  maxDrawdownTrough: (v: string | null) => v ?? 'n/a',
  trades: String,
  roundTrips: String,
  days: String,
};

async function backtestReport(
  name: string,
  extra: string[],
): Promise<{
  html: string;
  json: { portfolios: { portfolioId: string; statistics: Statistics; equity: unknown[] }[] };
}> {
  const f = join(dir, `${name}.yaml`);
  writeFileSync(
    f,
    `apiVersion: ginkgo.live/v1alpha1
kind: Portfolio
metadata: { name: ${name} }
spec:
  initialCash: "1000000.00"
  strategy: { name: ma-cross, params: { short: 3, long: 10 } }
  sizer: { name: fixed-value, params: { value: 200000 } }
  interestedCodes: ["600000.SH", "000001.SZ", "300750.SZ"]
`,
  );
  const out = join(dir, name);
  const quiet = { log: () => undefined, err: () => undefined, isTTY: false };
  expect(await main(['backtest', '-f', f, '--tape', 'sample', '--report', out, ...extra], quiet)).toBe(0);
  return { html: join(out, 'report.html'), json: JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) };
}

test.each([
  ['three-days', []],
  ['one-day', ['--from', '2026-11-24', '--to', '2026-11-24']],
])(
  'report (%s) renders in headless Chromium: screenshot, no script errors, numbers equal the JSON',
  async (name, extra) => {
    const { html, json } = await backtestReport(name, extra as string[]);
    const shot = join(dir, `${name}.png`);
    const { dom, log } = render(html, shot);
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    expect(log).not.toMatch(/Uncaught|CONSOLE\(\d+\).*error/i);
    const p = json.portfolios[0]!;
    const cells = new Map([...dom.matchAll(/<td data-stat="(\w+)">([^<]*)<\/td>/g)].map((m) => [m[1]!, m[2]!]));
    expect(cells.size).toBe(Object.keys(KIND).length);
    for (const [key, fmt] of Object.entries(KIND))
      expect([key, cells.get(key)]).toEqual([key, fmt(p.statistics[key as keyof Statistics] as never)]);
    // A one-day run still draws a curve: the start point and the day's settlement.
    expect(p.equity.length).toBeGreaterThanOrEqual(2);
    expect(dom).toMatch(/<polyline points="[^"]+ [^"]+"/);
    // No empty table cell anywhere in the page.
    expect(dom).not.toMatch(/<td[^>]*><\/td>/);
    process.stdout.write(`screenshot: ${shot}\n`);
  },
);
