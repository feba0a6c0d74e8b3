import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// The built CLI as a user runs it (`npx tsc -b` first): a strategy package loaded from STRATEGY_PACKAGES.
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const ginkgo = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, [join(repo, 'packages/cli/bin/ginkgo.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    cwd: repo,
    timeout: 60_000,
  });

test('a strategy from its own package is backtested by ginkgo as <package>/<name>; a package that does not load stops with the reason', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ginkgo-plugin-'));
  const file = join(dir, 'acme.yaml');
  writeFileSync(
    file,
    `apiVersion: ginkgo.live/v1alpha1
kind: Portfolio
metadata: { name: acme-vwap }
spec:
  initialCash: "1000000.00"
  strategy: { name: "@acme/strategies/vwap-reversion", params: { entryBps: 20, trend: 10 } }
  sizer: { name: fixed-value, params: { value: 100000 } }
  interestedCodes: ["600000.SH", "300750.SZ"]
`,
  );
  const ok = ginkgo(['backtest', '-f', file, '--tape', 'sample'], { STRATEGY_PACKAGES: '@acme/strategies' });
  expect(ok.stderr).not.toContain('Error');
  expect(ok.status).toBe(0);
  expect(ok.stdout).toMatch(/acme-vwap\s+@acme\/strategies\/vwap-reversion\s+\d+\.\d\d/);
  const list = ginkgo(['components'], { STRATEGY_PACKAGES: '@acme/strategies' });
  expect(list.stdout).toMatch(/strategy\s+@acme\/strategies\/vwap-reversion\s+1\.0\.0/);
  const without = ginkgo(['validate', '-f', file], { STRATEGY_PACKAGES: '' });
  expect(without.status).toBe(2);
  expect(without.stderr).toContain('spec.strategy.name: unknown strategy "@acme/strategies/vwap-reversion"');
  const broken = ginkgo(['components'], { STRATEGY_PACKAGES: '@acme/nope' });
  expect(broken.status).toBe(1);
  expect(broken.stderr).toContain("strategy package @acme/nope: failed to load: Cannot find package '@acme/nope'");
});
