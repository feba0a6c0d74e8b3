import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/main.js';
import { parseTape } from '../src/tape-file.js';

const dir = mkdtempSync(join(tmpdir(), 'ginkgo-cli-'));
const pf = (name: string, strategy: string, params = '{}', codes = '["600000.SH"]') => `apiVersion: ginkgo.live/v1alpha1
kind: Portfolio
metadata:
  name: ${name}
spec:
  initialCash: "1000000.00"
  strategy: { name: ${strategy}, params: ${params} }
  sizer: { name: fixed-value, params: { value: 100000 } }
  interestedCodes: ${codes}
`;
function capture() {
  const lines: string[] = [];
  const errs: string[] = [];
  return { out: { log: (s: string) => lines.push(s), err: (s: string) => errs.push(s), isTTY: false }, lines, errs };
}

test('bad tape rows are reported with their line numbers, all at once', () => {
  const csv = [
    '# a comment',
    'code,ts,price,volume,prev_close',
    '600000.SH,2026-11-24T09:31:00+08:00,10.01,100,10.00',
    '600000.SH,2026-11-24T09:32:00,10.02,100,',
    '600000.SH,2026-11-24T09:33:00+08:00,abc,100,',
    '',
    '600000.SH,2026-11-24T09:34:00+08:00,10.03,-5,',
  ].join('\n');
  expect(() => parseTape(csv, 'd.csv')).toThrow(
    /line 4: ts "2026-11-24T09:32:00" must be ISO 8601 with a time zone[\s\S]*line 5: price "abc" is not a positive decimal price[\s\S]*line 7: volume "-5"/,
  );
  const ok = parseTape(
    'code,ts,open,high,low,close,volume\n600000.SH,2026-11-24T09:35:00+08:00,10.00,10.05,9.98,10.02,1000\n',
    'b.csv',
  );
  expect(ok.map((m) => (m.type === 'session' ? m.phase : m.type))).toEqual(['open', 'price', 'close', 'settlement']);
});

test('ginkgo validate makes the API server, operator and node checks offline, naming file, document and field', async () => {
  const good = join(dir, 'good.yaml');
  const bad = join(dir, 'bad.yaml');
  writeFileSync(good, pf('good', 'ma-cross', '{ short: 5, long: 20 }'));
  writeFileSync(bad, pf('Bad_Name', 'no-such-strategy') + '---\n' + pf('two', 'ma-cross', '{ short: 30, long: 20 }'));
  const a = capture();
  expect(await main(['validate', '-f', good], a.out)).toBe(0);
  expect(a.lines.join('\n')).toContain('portfolio good is valid');
  const b = capture();
  expect(await main(['validate', '-f', bad], b.out)).toBe(2);
  const msg = b.errs.join('');
  expect(msg).toContain(`${bad}[0] metadata.name: must be a DNS subdomain name`);
  expect(msg).toContain(`${bad}[0] spec.strategy.name: unknown strategy "no-such-strategy"`);
  expect(msg).toContain(`${bad}[1] spec.strategy.params.long: must be greater than short (30)`);
});

test('ginkgo backtest runs several portfolios side by side on the bundled tape and writes the report', async () => {
  const f1 = join(dir, 'p1.yaml');
  const f2 = join(dir, 'p2.yaml');
  writeFileSync(f1, pf('ma', 'ma-cross', '{ short: 5, long: 20 }', '["600000.SH", "300750.SZ"]'));
  writeFileSync(f2, pf('hold', 'buy-and-hold', '{}', '["300750.SZ"]'));
  const c = capture();
  const out = join(dir, 'report');
  expect(await main(['backtest', '-f', f1, '-f', f2, '--tape', 'sample', '--report', out], c.out)).toBe(0);
  expect(c.lines[0]).toMatch(/^portfolio\s+strategy\s+end equity/);
  expect(c.errs.join('')).toContain('progress 100% (546/546 events)');
  const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
    portfolios: {
      portfolioId: string;
      statistics: { trades: number; days: number };
      trades: { clientOrderId: string }[];
    }[];
  };
  expect(json.portfolios.map((p) => p.portfolioId)).toEqual(['ma', 'hold']);
  expect(json.portfolios[1]!.statistics.days).toBe(3);
  expect(json.portfolios[1]!.trades[0]!.clientOrderId).toBe('hold-1');
  expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<svg');
  const day = capture();
  expect(
    await main(['backtest', '-f', f2, '--tape', 'sample', '--from', '2026-11-25', '--to', '2026-11-25'], day.out),
  ).toBe(0);
  expect(day.lines.join('\n')).toMatch(/hold\s+buy-and-hold/);
});

test('ginkgo components lists built-ins with version and params; unknown flags are refused', async () => {
  const c = capture();
  expect(await main(['components', '--json'], c.out)).toBe(0);
  const list = JSON.parse(c.lines.join('')) as { name: string; version: string; params: { properties?: object } }[];
  expect(list.find((x) => x.name === 'ma-cross')).toMatchObject({ version: '0.1.0' });
  expect(Object.keys(list.find((x) => x.name === 'ma-cross')!.params.properties ?? {})).toEqual([
    'short',
    'long',
    'volume',
  ]);
  const d = capture();
  expect(await main(['backtest', '--nope'], d.out)).toBe(2);
  expect(d.errs.join('')).toContain("Unknown option '--nope'");
});

test('ginkgo backtest takes the market from the Portfolio: a Hong Kong portfolio on the HK sample tape, in HKD and board lots', async () => {
  const hk = join(dir, 'hk.yaml');
  writeFileSync(
    hk,
    `apiVersion: ginkgo.live/v1alpha1
kind: Portfolio
metadata:
  name: hk-hold
spec:
  market: hk
  initialCash: "1000000.00"
  strategy: { name: buy-and-hold }
  sizer: { name: fixed-volume, params: { volume: 800 } }
  interestedCodes: ["0005.HK"]
`,
  );
  const c = capture();
  const out = join(dir, 'hk-report');
  expect(await main(['backtest', '-f', hk, '--tape', 'sample', '--report', out], c.out)).toBe(0);
  const json = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
    portfolios: { currency: string; trades: { code: string; volume: number; fee: number }[] }[];
  };
  const [p] = json.portfolios;
  expect(p!.currency).toBe('HKD');
  // Two board lots of 400 (HSBC's), with Hong Kong fees (stamp duty, trading fee, levies): more than a commission.
  expect(p!.trades.map((t) => [t.code, t.volume])).toEqual([['0005.HK', 800]]);
  expect(p!.trades[0]!.fee).toBeGreaterThan(0);
  // One tape is one market's: portfolios of two markets are refused, naming the field.
  const cn = join(dir, 'cn.yaml');
  writeFileSync(cn, pf('cn-hold', 'buy-and-hold'));
  const mixed = capture();
  expect(await main(['backtest', '-f', hk, '-f', cn, '--tape', 'sample'], mixed.out)).toBe(2);
  expect(mixed.errs.join('')).toMatch(/spec\.market: one tape is one market's, the files name hk and cn/);
});
