import { readFile } from 'node:fs/promises';
import { ReferenceDataFile, parseOrThrow } from '@ginkgo/contracts';
import { MARKETS, marketsWithReferenceData, type MarketRules } from '@ginkgo/core';

/**
 * The markets' rules with the instrument reference data of the given files (JSON, one market each) in
 * place of the bundled data: ST periods, listing dates, suspensions, board lots change by replacing a file,
 * not the code. A bad file is an error naming the file and the field; nothing is half-loaded.
 */
export async function loadMarketRules(paths: readonly string[]): Promise<Record<string, MarketRules>> {
  const files: ReferenceDataFile[] = [];
  for (const path of paths) {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(path, 'utf8'));
    } catch (err) {
      throw new Error(`REFERENCE_DATA_FILES: cannot read ${path}: ${(err as Error).message}`, { cause: err });
    }
    files.push(parseOrThrow(ReferenceDataFile, json, `REFERENCE_DATA_FILES ${path}`));
  }
  return files.length ? marketsWithReferenceData(files) : { ...MARKETS };
}

/** Comma-separated paths of an env value, trimmed, empty ones dropped. */
export const referenceDataPaths = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
