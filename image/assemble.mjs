// Runs in the Containerfile's build stage after `npm ci`, `tsc -b` and `npm prune --omit=dev`: copies what
// the runtime needs into /out — the root manifests, production node_modules, and of each workspace its
// package.json, dist/ and data folders (not src/ or tests) — and writes a /out/bin wrapper for every `bin`
// a workspace declares (the `ginkgo` CLI when its package is present).
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const out = process.argv[2] ?? '/out';
// Not part of the product: the tests, and the example strategy package (a team adds its own packages in an image
// built FROM this one, as examples/strategy-package/Containerfile shows).
const skipWorkspaces = new Set(['e2e', 'examples/strategy-package']);
const skipEntries = new Set([
  'src',
  'test',
  'tests',
  'node_modules',
  'tsconfig.json',
  'tsconfig.build.json',
  'README.md',
]);
const root = JSON.parse(readFileSync('package.json', 'utf8'));
mkdirSync(join(out, 'bin'), { recursive: true });
for (const f of ['package.json', 'package-lock.json']) cpSync(f, join(out, f));
cpSync('node_modules', join(out, 'node_modules'), { recursive: true, verbatimSymlinks: true });
for (const ws of root.workspaces) {
  if (!existsSync(join(ws, 'package.json'))) continue;
  if (skipWorkspaces.has(ws)) {
    // npm links every workspace into node_modules: drop the link of one left out (it would dangle).
    rmSync(join(out, 'node_modules', JSON.parse(readFileSync(join(ws, 'package.json'), 'utf8')).name), { force: true });
    continue;
  }
  for (const entry of readdirSync(ws)) {
    if (skipEntries.has(entry) || entry.endsWith('.tsbuildinfo')) continue;
    cpSync(join(ws, entry), join(out, ws, entry), { recursive: true });
  }
  const pkg = JSON.parse(readFileSync(join(ws, 'package.json'), 'utf8'));
  const bins = typeof pkg.bin === 'string' ? { [pkg.name.split('/').pop()]: pkg.bin } : (pkg.bin ?? {});
  for (const [name, path] of Object.entries(bins)) {
    writeFileSync(join(out, 'bin', name), `#!/bin/sh\nexec node /app/${ws}/${path.replace(/^\.\//, '')} "$@"\n`, {
      mode: 0o755,
    });
    console.log(`bin ${name} -> ${ws}/${path}`);
  }
}
