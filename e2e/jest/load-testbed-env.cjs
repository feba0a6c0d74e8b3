// Loads the addresses `make testbed-up` wrote, unless the caller already points at servers.
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const file =
  process.env.GINKGO_TESTBED_ENV ||
  path.join(process.env.GINKGO_CACHE || path.join(os.homedir(), '.cache', 'ginkgo-live'), 'run', 'testbed.env');
if (fs.existsSync(file)) {
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m && process.env[m[1]] === undefined) process.env[m[1]] = m[2];
  }
}
