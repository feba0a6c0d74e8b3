import { spawn, type ChildProcess } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  existsSync,
  readlinkSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PatchStrategy, setHeaderOptions, type V1ConfigMap } from '@kubernetes/client-node';
import { RuntimeSettingsWatcher, createLogger, type KubeClients } from '@ginkgo/platform';
import { testKube } from './support/kube.js';
import { repoRoot } from './support/processes.js';
import { purgeNamespace, renderChart, uniqueSuffix } from './support/chart.js';

// S8.06: the runtime settings ConfigMap the chart renders is stored in the real kube-apiserver, edited there,
// and projected into a directory the way the kubelet does (atomic `..data` symlink swap); a running process
// applies the new log level and thresholds without a restart, and refuses a bad edit.

/** The kubelet's AtomicWriter: files in a timestamped dir, `..data` swapped by rename, keys linked through it. */
function projectConfigMap(cm: V1ConfigMap, dir: string): void {
  const stamp = path.join(dir, `..${Date.now()}_${Math.random().toString(36).slice(2)}`);
  mkdirSync(stamp);
  for (const [k, v] of Object.entries(cm.data ?? {})) writeFileSync(path.join(stamp, k), v);
  const tmp = path.join(dir, '..data_tmp');
  rmSync(tmp, { force: true });
  symlinkSync(path.basename(stamp), tmp);
  const old = existsSync(path.join(dir, '..data')) ? readlinkSync(path.join(dir, '..data')) : undefined;
  renameSync(tmp, path.join(dir, '..data'));
  for (const k of Object.keys(cm.data ?? {})) {
    if (!existsSync(path.join(dir, k))) symlinkSync(path.join('..data', k), path.join(dir, k));
  }
  if (old) rmSync(path.join(dir, old), { recursive: true, force: true });
}

async function eventually<T>(what: string, probe: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type LogLine = { msg?: string; level?: number; i?: number; queueWarnRatio?: number; problems?: string[]; pid?: number };

let clients: KubeClients;
let namespace: string;
let dir: string;
let child: ChildProcess | undefined;

beforeAll(async () => {
  clients = testKube();
  namespace = `reload-${uniqueSuffix()}`;
  await clients.core.createNamespace({ body: { metadata: { name: namespace } } });
  dir = mkdtempSync(path.join(os.tmpdir(), 'runtime-settings-'));
});

afterAll(async () => {
  child?.kill('SIGKILL');
  if (namespace) await purgeNamespace(clients, namespace);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('runtime settings hot reload (S8.06)', () => {
  test('S8.06 a running process applies log level and thresholds edited in the ConfigMap, without a restart', async () => {
    const [cm] = (await renderChart({ namespace, release: 'reload' })).filter(
      (m) => m.kind === 'ConfigMap' && m.metadata.name.endsWith('-runtime-settings'),
    );
    expect(cm).toBeDefined();
    const name = cm!.metadata.name;
    await clients.core.createNamespacedConfigMap({
      namespace,
      body: { ...(cm as V1ConfigMap), metadata: { name, namespace } },
    });
    projectConfigMap(await clients.core.readNamespacedConfigMap({ name, namespace }), dir);

    // A real process using the platform build: a child logger ticking at debug and info.
    const script = path.join(dir, 'probe.mjs');
    writeFileSync(
      script,
      `import { createLogger, watchRuntimeSettingsFromEnv } from ${JSON.stringify(path.join(repoRoot, 'packages/platform/dist/index.js'))};
const logger = createLogger('reload-probe');
const worker = logger.child({ part: 'worker' });
const settings = await watchRuntimeSettingsFromEnv(logger);
let i = 0;
setInterval(() => { i++; worker.debug({ i }, 'tick debug'); worker.info({ i, queueWarnRatio: settings.threshold('queueWarnRatio', -1) }, 'tick'); }, 50);
`,
    );
    const lines: LogLine[] = [];
    child = spawn(process.execPath, [script], {
      env: {
        ...process.env,
        NODE_OPTIONS: '',
        LOG_LEVEL: 'info',
        RUNTIME_SETTINGS_FILE: path.join(dir, 'settings.json'),
        RUNTIME_SETTINGS_POLL_MS: '200',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      const parts = buf.split('\n');
      buf = parts.pop() ?? '';
      for (const p of parts) if (p.trim()) lines.push(JSON.parse(p) as LogLine);
    });
    const pid = child.pid;

    // Chart defaults: info level, queueWarnRatio 0.8.
    await eventually('a tick at the chart defaults', () =>
      lines.find((l) => l.msg === 'tick' && l.queueWarnRatio === 0.8),
    );
    expect(lines.some((l) => l.msg === 'tick debug')).toBe(false);

    // Edit the ConfigMap in the API server; the kubelet projects the new version.
    const settings = { logLevel: 'debug', thresholds: { queueWarnRatio: 0.5, eventLoopLagWarnMs: 200 } };
    await clients.core.patchNamespacedConfigMap(
      { name, namespace, body: { data: { 'settings.json': JSON.stringify(settings) } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    projectConfigMap(await clients.core.readNamespacedConfigMap({ name, namespace }), dir);
    await eventually('debug ticks', () => lines.find((l) => l.msg === 'tick debug'));
    await eventually('the new threshold', () => lines.find((l) => l.msg === 'tick' && l.queueWarnRatio === 0.5));
    expect(lines.find((l) => l.msg === 'runtime settings applied' && l.pid === pid)).toBeDefined();
    expect(child.exitCode).toBeNull(); // same process: no restart
    expect(new Set(lines.map((l) => l.pid))).toEqual(new Set([pid]));

    // A bad edit is refused naming the field; the last good settings stay in force.
    await clients.core.patchNamespacedConfigMap(
      {
        name,
        namespace,
        body: {
          data: { 'settings.json': JSON.stringify({ logLevel: 'loud', thresholds: { queueWarnRatio: 'high' } }) },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    projectConfigMap(await clients.core.readNamespacedConfigMap({ name, namespace }), dir);
    const refused = await eventually('the refusal', () =>
      lines.find((l) => l.msg === 'runtime settings refused; keeping the current settings'),
    );
    expect(refused.problems?.join('\n')).toMatch(/logLevel/);
    expect(refused.problems?.join('\n')).toMatch(/thresholds\.queueWarnRatio/);
    const after = lines.length;
    await eventually(
      'ticks after the refusal',
      () => lines.slice(after).filter((l) => l.msg === 'tick debug').length >= 3 || undefined,
    );
    expect(
      lines
        .slice(after)
        .filter((l) => l.msg === 'tick')
        .every((l) => l.queueWarnRatio === 0.5),
    ).toBe(true);
    child.kill('SIGTERM');
  });

  test('S8.06 the watcher changes every logger of the process, children included, and keeps defaults for a missing file', async () => {
    const file = path.join(dir, 'direct.json');
    const a = createLogger('reload-a');
    const b = createLogger('reload-b').child({ part: 'x' });
    const seen: string[] = [];
    const w = await RuntimeSettingsWatcher.start({
      file,
      logger: a.child({}, { level: 'silent' }),
      pollMs: 100_000,
      onChange: (next) => seen.push(next.logLevel ?? '-'),
    });
    try {
      expect(w.threshold('queueWarnRatio', 0.8)).toBe(0.8); // no file yet: defaults
      writeFileSync(file, JSON.stringify({ logLevel: 'trace', thresholds: { queueWarnRatio: 0.6 } }));
      await w.reload(); // the directory watch may have applied it already
      expect(a.level).toBe('trace');
      expect(b.isLevelEnabled('trace')).toBe(true);
      expect(w.threshold('queueWarnRatio', 0.8)).toBe(0.6);
      expect(await w.reload()).toBe(false); // unchanged file: nothing applied again
      writeFileSync(file, '{not json');
      expect(await w.reload()).toBe(false);
      expect(a.level).toBe('trace');
      writeFileSync(file, JSON.stringify({ logLevel: 'error' }));
      await w.reload();
      expect(b.isLevelEnabled('warn')).toBe(false);
      expect(w.threshold('queueWarnRatio', 0.8)).toBe(0.8);
      expect(seen).toEqual(['trace', 'error']);
    } finally {
      w.close();
    }
  });
});
