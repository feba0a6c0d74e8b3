import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './support/processes.js';
import { renderChart } from './support/chart.js';

// S8.07: processes log pino JSON to stdout only, so the cluster (kubelet/container runtime) rotates the logs;
// no process opens a log file.

const sourceDirs = [
  'operator/src',
  'node-runtime/src',
  'livecore/src',
  'packages/platform/src',
  'packages/core/src',
  'packages/contracts/src',
];
const walk = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });

describe('logs go to stdout (S8.07)', () => {
  test('S8.07 the platform logger writes one JSON object per line to stdout, nothing to stderr, and opens no file', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'logs-probe-'));
    try {
      const script = path.join(dir, 'probe.mjs');
      // Logs, then reports the files it holds open (Linux /proc) on stdout too, then waits to be stopped.
      writeFileSync(
        script,
        `import { readdirSync, readlinkSync } from 'node:fs';
import { createLogger } from ${JSON.stringify(path.join(repoRoot, 'packages/platform/dist/index.js'))};
const logger = createLogger('logs-probe', { nodeId: 'n1' });
const child = logger.child({ portfolio: 'p1' });
logger.info({ n: 1 }, 'hello');
child.warn({ n: 2 }, 'careful');
child.error({ err: new Error('boom') }, 'failed');
logger.debug('not shown at info');
setTimeout(() => {
  const fds = readdirSync('/proc/self/fd').map((fd) => { try { return readlinkSync('/proc/self/fd/' + fd); } catch { return ''; } });
  process.stdout.write(JSON.stringify({ fds }) + '\\n');
}, 200);
setInterval(() => {}, 1000);
`,
      );
      const proc = spawn(process.execPath, [script], {
        env: { ...process.env, NODE_OPTIONS: '', LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
      proc.stderr.on('data', (c: Buffer) => (err += c.toString()));
      const deadline = Date.now() + 30_000;
      while (!out.includes('"fds"') && Date.now() < deadline && proc.exitCode === null)
        await new Promise((r) => setTimeout(r, 50));
      proc.kill('SIGKILL');
      const lines = out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const fds = (lines.pop() as { fds: string[] }).fds;
      expect(lines.map((l) => l.msg)).toEqual(['hello', 'careful', 'failed']);
      for (const l of lines) {
        expect(l).toMatchObject({ component: 'logs-probe', nodeId: 'n1', pid: proc.pid });
        expect(typeof l.level).toBe('number');
        expect(String(l.time)).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      }
      expect(lines[1]).toMatchObject({ portfolio: 'p1', level: 40 });
      expect((lines[2]!.err as { message: string }).message).toBe('boom');
      expect(err).toBe('');
      // Open descriptors: pipes, sockets, anon inodes, /dev/null and the node binary's own files, no log file.
      const files = fds.filter((f) => f.startsWith('/') && !f.startsWith('/dev/') && !f.startsWith('/proc/'));
      expect(files.filter((f) => /\.log$|log/i.test(path.basename(f)))).toEqual([]);
      expect(files.filter((f) => f.startsWith(dir) || f.startsWith(repoRoot))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('S8.07 no process source writes logs to a file (no pino file destination or transport, no .log path)', () => {
    const offenders: string[] = [];
    for (const d of sourceDirs) {
      for (const file of walk(path.join(repoRoot, d))) {
        const text = readFileSync(file, 'utf8');
        // Other files (e.g. a write spool) are fine: only log files are the cluster's job.
        for (const pattern of [
          /pino\.destination\s*\(/,
          /pino\/file/,
          /pino-roll|rotating-file-stream/,
          /\btransport\s*:/,
          /['"`][^'"`\n]*\.log['"`]/,
        ]) {
          if (pattern.test(text)) offenders.push(`${path.relative(repoRoot, file)}: ${pattern}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  test('S8.07 the chart gives the processes no log volume or log file setting', async () => {
    const manifests = await renderChart({ namespace: 'ginkgo' });
    const text = JSON.stringify(manifests);
    expect(text).not.toMatch(/\/var\/log|LOG_FILE|\.log"/);
    for (const m of manifests.filter((x) => ['Deployment', 'StatefulSet'].includes(x.kind))) {
      const spec = (
        m.spec as { template: { spec: { containers: Array<{ env?: Array<{ name: string; value?: string }> }> } } }
      ).template.spec;
      const env = spec.containers[0]!.env ?? [];
      expect(env.find((e) => e.name === 'LOG_LEVEL')?.value).toBe('info');
    }
  });
});
