#!/usr/bin/env node
// The repository's own scenario index (docs/scenarios.md): every scenario's ID, what must hold, the levels it
// is tested at and the test files whose titles start with its ID. The ID, text and levels are kept in the
// file itself; this script refreshes the "tested in" column from the test titles.
//   node e2e/scripts/scenario-index.mjs            rewrite docs/scenarios.md
//   node e2e/scripts/scenario-index.mjs --check    exit 1 when the file is stale or a scenario has no test
//   node e2e/scripts/scenario-index.mjs --from CATALOG.md   start the table from a catalog with the same columns
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const indexPath = join(root, 'docs', 'scenarios.md');
const skipDirs = new Set(['node_modules', 'dist', 'dist-bench', '.git', 'reports', 'coverage']);

/** Test files: *.test.ts anywhere below the root, outside build output. */
function testFiles(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) {
      if (!skipDirs.has(e.name) && !e.name.startsWith('.')) out.push(...testFiles(join(dir, e.name)));
    } else if (e.name.endsWith('.test.ts')) out.push(join(dir, e.name));
  }
  return out.sort();
}

/** IDs at the start of test titles, per file: `test('S9.01 S6.08 ...` speaks for both. */
function idsByFile() {
  const title = /\b(?:test|it)(?:\.each\([^)]*\))?\(\s*['"`]((?:S\d+\.\d{2}[\s,]+)+)/g;
  const where = new Map();
  for (const file of testFiles(root)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(title)) {
      for (const id of m[1].match(/S\d+\.\d{2}/g) ?? []) {
        const files = where.get(id) ?? new Set();
        files.add(relative(root, file));
        where.set(id, files);
      }
    }
  }
  return where;
}

/** Rows of a markdown table whose first cell is a scenario ID. */
function rows(markdown) {
  return markdown
    .split('\n')
    .filter((l) => /^\|\s*S\d+\.\d{2}\s*\|/.test(l))
    .map((l) =>
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
}

function render(scenarios, where) {
  const head = [
    '# Scenario index',
    '',
    'Every behaviour the platform promises, with an ID. A test proves a scenario when its title starts with the ID',
    '(`S6.03 stop loss closes the whole position`); the level says what it runs against: `unit` (pure code), `int`',
    '(one real server: Kafka, Redis, MariaDB or kube-apiserver), `e2e` (the running processes on the test bed), `chart`',
    '(the Helm chart). The last column is refreshed from the test titles by `make scenario-index`; `make test`',
    'fails when it is stale.',
    '',
    '| ID | scenario | what must hold | level | tested in |',
    '|---|---|---|---|---|',
  ];
  const body = scenarios.map(({ id, name, must, level }) => {
    const files = [...(where.get(id) ?? [])].map((f) => `\`${f}\``).join(', ') || '**none**';
    return `| ${id} | ${name} | ${must} | ${level} | ${files} |`;
  });
  return [...head, ...body, ''].join('\n');
}

const args = process.argv.slice(2);
const from = args.includes('--from') ? args[args.indexOf('--from') + 1] : undefined;
const source = readFileSync(from ?? indexPath, 'utf8');
// The catalog has | ID | seed § | scenario | must | level |; the index | ID | scenario | must | level | files |.
const scenarios = rows(source).map((c) =>
  from ? { id: c[0], name: c[2], must: c[3], level: c[4] } : { id: c[0], name: c[1], must: c[2], level: c[3] },
);
const where = idsByFile();
const text = render(scenarios, where);
if (args.includes('--check')) {
  const untested = scenarios.filter((s) => !where.has(s.id)).map((s) => s.id);
  const stale = text !== source;
  if (stale) process.stderr.write('docs/scenarios.md is stale: run `make scenario-index`\n');
  if (untested.length) process.stderr.write(`scenarios without a test: ${untested.join(', ')}\n`);
  process.exit(stale || untested.length ? 1 : 0);
}
writeFileSync(indexPath, text);
process.stdout.write(
  `docs/scenarios.md: ${scenarios.length} scenarios, ${scenarios.filter((s) => where.has(s.id)).length} with a test\n`,
);
