// Runs in the Containerfile's build stage after `npm ci`, `tsc -b` and `npm prune --omit=dev`: copies what
// the runtime needs into /out — the root manifests, production node_modules, and of each workspace its
// package.json, dist/ and data folders (not src/ or tests) — and writes a /out/bin wrapper for every `bin`
// a workspace declares (the `ginkgo` CLI when its package is present).
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const out = process.argv[2] ?? '/out';
const skipWorkspaces = new Set(['e2e']);
const skipEntries = new Set(['src', 'test', 'tests', 'node_modules', 'tsconfig.json', 'tsconfig.build.json', 'README.md']);
const root = JSON.parse(readFileSync('package.json', 'utf8'));
mkdirSync(join(out, 'bin'), { recursive: true });
for (const f of ['package.json', 'package-lock.json']) cpSync(f, join(out, f));
cpSync('node_modules', join(out, 'node_modules'), { recursive: true, verbatimSymlinks: true });
for (const ws of root.workspaces) {
  if (skipWorkspaces.has(ws) || !existsSync(join(ws, 'package.json'))) continue;
  for (const entry of readdirSync(ws)) {
    if (skipEntries.has(entry) || entry.endsWith('.tsbuildinfo')) continue;
    cpSync(join(ws, entry), join(out, ws, entry), { recursive: true });
  }
  const pkg = JSON.parse(readFileSync(join(ws, 'package.json'), 'utf8'));
  const bins = typeof pkg.bin === 'string' ? { [pkg.name.split('/').pop()]: pkg.bin } : (pkg.bin ?? {});
  for (const [name, path] of Object.entries(bins)) {
    writeFileSync(join(out, 'bin', name), `#!/bin/sh\nexec node /app/${ws}/${path.replace(/^\.\//, '')} "$@"\n`, { mode: 0o755 });
    console.log(`bin ${name} -> ${ws}/${path}`);
  }
}
