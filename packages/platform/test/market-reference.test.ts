import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instrumentRules } from '@ginkgo/core';
import { loadMarketRules, referenceDataPaths } from '../src/index.js';

/** Writes a reference data file of `market` as of 2026-11-30; returns its path. */
async function referenceFile(dir: string, name: string, market: string, instruments: object[]): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, JSON.stringify({ market, source: 'test file', asOf: '2026-11-30', instruments }));
  return file;
}

describe('instrument reference data from files (replaceable without code changes)', () => {
  test('a file replaces the bundled reference data of its market: ST from a date, a suspension, a board lot', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ginkgo-ref-'));
    const cn = await referenceFile(dir, 'cn.json', 'cn', [{ code: '600000.SH', st: [{ from: '2026-11-25' }] }]);
    const hk = await referenceFile(dir, 'hk.json', 'hk', [
      { code: '0700.HK', boardLots: [{ from: '2026-01-01', size: 200 }] },
    ]);
    const markets = await loadMarketRules(referenceDataPaths(` ${cn}, ${hk} ,`));
    expect(instrumentRules(markets.cn!, '600000.SH', '2026-11-24')).toMatchObject({ st: false, stDailyBuyCap: null });
    // main-board ST is 10% since 2026-07-06; the daily buy cap applies
    expect(instrumentRules(markets.cn!, '600000.SH', '2026-11-25')).toMatchObject({
      st: true,
      limitPpm: 100_000,
      stDailyBuyCap: 500_000,
    });
    expect(instrumentRules(markets.hk!, '0700.HK', '2026-11-24').lot?.min).toBe(200);
    // the bundled file of cn is replaced, not merged: its scripted suspension is gone
    expect(instrumentRules(markets.cn!, '601318.SH', '2026-11-25').suspended).toBe(false);
  });

  test('no files: the bundled data; a bad file: an error naming the file and the field', async () => {
    expect(Object.keys(await loadMarketRules([]))).toEqual(expect.arrayContaining(['cn', 'hk']));
    const dir = await mkdtemp(join(tmpdir(), 'ginkgo-ref-'));
    const bad = await referenceFile(dir, 'bad.json', 'cn', [{ code: '600000.SH', st: [{ from: '26-1-1' }] }]);
    await expect(loadMarketRules([bad])).rejects.toThrow(/bad\.json[\s\S]*instruments\.0\.st\.0\.from/);
    await expect(loadMarketRules([join(dir, 'missing.json')])).rejects.toThrow(
      /REFERENCE_DATA_FILES: cannot read .*missing\.json/,
    );
  });
});
