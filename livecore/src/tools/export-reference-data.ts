import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MARKETS } from '@ginkgo/core';

/**
 * Writes the bundled instrument reference data of every market as JSON files (<dir>/<market>.json), the
 * starting point of a process's own files: edit them and point REFERENCE_DATA_FILES at them.
 * node livecore/dist/tools/export-reference-data.js <dir>
 */
const dir = process.argv[2] ?? '.';
for (const m of Object.values(MARKETS)) {
  const path = join(dir, `${m.id}.json`);
  await writeFile(path, `${JSON.stringify(m.reference, null, 2)}\n`);
  process.stdout.write(`wrote ${path}\n`);
}
