import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { createDefaultRegistry } from '@ginkgo/core';
import { loadStrategyPackages, parsePackageList } from '../src/strategy-packages.js';

const pkg = (name: string, version = '1.2.0') => ({
  default: {
    name,
    version,
    strategies: {
      momentum: {
        params: z.strictObject({ lookback: z.number().int().positive() }),
        create: () => ({ onPrice: () => [] }),
      },
    },
  },
});

test('strategy packages load next to the built-ins as <package>/<name> with their version and params schema', async () => {
  expect(parsePackageList(' @acme/strategies, @acme/risk ,')).toEqual(['@acme/strategies', '@acme/risk']);
  const { registry, loaded } = await loadStrategyPackages(['@acme/strategies'], createDefaultRegistry(), async () =>
    pkg('@acme/strategies'),
  );
  expect(loaded).toEqual([{ name: '@acme/strategies', version: '1.2.0', components: ['@acme/strategies/momentum'] }]);
  const d = registry.describe().find((c) => c.name === '@acme/strategies/momentum')!;
  expect(d).toMatchObject({ kind: 'strategy', version: '1.2.0' });
  expect(JSON.stringify(d.params)).toContain('lookback');
  expect(registry.describe().find((c) => c.name === 'ma-cross')).toMatchObject({ version: '0.1.0' });
  const built = registry.build({
    strategy: { name: '@acme/strategies/momentum', params: { lookback: 5 } },
    riskManagers: [],
    sizer: { name: 'fixed-volume', params: { volume: 100 } },
  });
  expect(built.strategy.name).toBe('@acme/strategies/momentum');
});

test('a package that fails to load, exports the wrong shape or repeats a name is refused with the reason', async () => {
  await expect(
    loadStrategyPackages(['@acme/missing'], createDefaultRegistry(), async () =>
      Promise.reject(new Error("Cannot find package '@acme/missing'")),
    ),
  ).rejects.toThrow("strategy package @acme/missing: failed to load: Cannot find package '@acme/missing'");
  await expect(
    loadStrategyPackages(['@acme/bad'], createDefaultRegistry(), async () => ({ default: { name: '@acme/bad' } })),
  ).rejects.toThrow('strategy package @acme/bad: default export must be');
  await expect(loadStrategyPackages(['@acme/a'], createDefaultRegistry(), async () => pkg('@acme/b'))).rejects.toThrow(
    'its default export says name "@acme/b"',
  );
  const twice = loadStrategyPackages(['@acme/strategies', '@acme/strategies'], createDefaultRegistry(), async () =>
    pkg('@acme/strategies'),
  );
  await expect(twice).rejects.toThrow('strategy "@acme/strategies/momentum" is already registered (version 1.2.0)');
});

test('a real ESM package on disk is imported by path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'strategy-pkg-'));
  writeFileSync(
    join(dir, 'index.mjs'),
    `export default { name: 'local', version: '0.0.1', strategies: { noop: { params: { safeParse: (v) => ({ success: true, data: v }) }, create: () => ({ onPrice: () => [] }) } } };\n`,
  );
  const { loaded } = await loadStrategyPackages([join(dir, 'index.mjs')]);
  expect(loaded).toEqual([{ name: 'local', version: '0.0.1', components: ['local/noop'] }]);
});
