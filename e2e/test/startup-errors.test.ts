import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './support/processes.js';

/** Starts a compiled entry point with the given environment and returns what it said and how it ended. */
function run(entry: string, env: Record<string, string>) {
  const r = spawnSync(process.execPath, [path.join(repoRoot, entry, 'dist', 'main.js')], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    encoding: 'utf8',
    timeout: 30000,
  });
  return { status: r.status, stderr: `${r.stderr}${r.stdout}` };
}

describe('startup errors of the real processes', () => {
  test('S7.08 a bad configuration stops node-runtime at start with every problem listed, exit code non-zero', () => {
    const r = run('node-runtime', {
      NODE_ID: 'Not A Dns Label',
      KAFKA_BROKERS: 'no-port-here',
      REDIS_URL: 'http://wrong',
      MYSQL_URL: 'postgres://x',
      HEALTH_PORT: '70000',
    });
    expect(r.status).not.toBe(0);
    for (const field of ['NODE_ID', 'KAFKA_BROKERS', 'REDIS_URL', 'MYSQL_URL', 'HEALTH_PORT'])
      expect(r.stderr).toContain(field);
  });

  test('a bad configuration stops livecore and the operator the same way', () => {
    const lc = run('livecore', { MARKET: 'Bad Market', KAFKA_BROKERS: '', MYSQL_URL: 'x' });
    expect(lc.status).not.toBe(0);
    for (const field of ['MARKET', 'KAFKA_BROKERS', 'MYSQL_URL']) expect(lc.stderr).toContain(field);
    const op = run('operator', { WATCH_NAMESPACE: 'Bad_NS', LEADER_LEASE_SECONDS: '-1', INSTALL_CRDS: 'maybe' });
    expect(op.status).not.toBe(0);
    for (const field of ['WATCH_NAMESPACE', 'LEADER_LEASE_SECONDS', 'INSTALL_CRDS']) expect(op.stderr).toContain(field);
  });
});
