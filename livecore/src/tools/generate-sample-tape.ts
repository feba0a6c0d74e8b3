import { writeFile } from 'node:fs/promises';
import { formatCsvTape } from '../csv-tape.js';
import { generateSampleTape } from '../sample-tape.js';

/** Regenerates the bundled tape: node livecore/dist/tools/generate-sample-tape.js livecore/tapes/cn-sample-3d.csv */
const path = process.argv[2] ?? 'livecore/tapes/cn-sample-3d.csv';
await writeFile(path, formatCsvTape(generateSampleTape()));
process.stdout.write(`wrote ${path}\n`);
