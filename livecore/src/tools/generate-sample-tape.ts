import { writeFile } from 'node:fs/promises';
import { hkMarket } from '@ginkgo/core';
import { formatCsvTape } from '../csv-tape.js';
import { generateHkSampleTape } from '../hk-sample-tape.js';
import { generateSampleTape } from '../sample-tape.js';

/**
 * Regenerates the bundled tapes: node livecore/dist/tools/generate-sample-tape.js livecore/tapes/cn-sample-3d.csv
 * [livecore/tapes/hk-sample-3d.csv]
 */
const path = process.argv[2] ?? 'livecore/tapes/cn-sample-3d.csv';
await writeFile(path, formatCsvTape(generateSampleTape()));
process.stdout.write(`wrote ${path}\n`);
const hkPath = process.argv[3] ?? 'livecore/tapes/hk-sample-3d.csv';
await writeFile(hkPath, formatCsvTape(generateHkSampleTape(), hkMarket));
process.stdout.write(`wrote ${hkPath}\n`);
