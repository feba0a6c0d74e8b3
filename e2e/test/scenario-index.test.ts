import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** docs/scenarios.md names, for every scenario, the test files whose titles start with its ID: kept current. */
test('the scenario index in docs/ is current and every scenario has a test', () => {
  const script = fileURLToPath(new URL('../scripts/scenario-index.mjs', import.meta.url));
  const run = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
  expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
});
