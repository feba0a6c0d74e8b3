#!/usr/bin/env node
// Committed and executable, so that `npx ginkgo` works right after `npm ci && tsc -b` (tsc output is not executable).
import { main } from '../dist/main.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`ginkgo: ${String(err)}\n`);
    process.exit(1);
  },
);
