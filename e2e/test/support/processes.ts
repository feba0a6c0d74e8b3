import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  logs: string[];
  healthPort: number;
  exited: Promise<number | null>;
  /** SIGTERM and wait (graceful), SIGKILL after the timeout. */
  stop(timeoutMs?: number): Promise<number | null>;
  kill(): Promise<number | null>;
}

/** A port the OS says is free now (a guessed port collides with other processes on the machine). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Starts one of our processes from its compiled entry point (`make build` first). */
export async function startProcess(
  name: string,
  entry: 'operator' | 'node-runtime' | 'livecore',
  env: Record<string, string>,
): Promise<ManagedProcess> {
  const healthPort = env.HEALTH_PORT ? Number(env.HEALTH_PORT) : await freePort();
  const child = spawn(process.execPath, [path.join(repoRoot, entry, 'dist', 'main.js')], {
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'info',
      HEALTH_PORT: String(healthPort),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  // Every process's output also goes to reports/e2e-logs for post-mortems (CI keeps reports/).
  const logDir = path.join(repoRoot, 'reports', 'e2e-logs');
  mkdirSync(logDir, { recursive: true });
  const file = createWriteStream(path.join(logDir, `${name}-${child.pid ?? 'x'}.log`));
  child.stdout?.pipe(file);
  child.stderr?.pipe(file);
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(line);
    if (logs.length > 5000) logs.splice(0, logs.length - 5000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const handle: ManagedProcess = {
    name,
    child,
    logs,
    healthPort,
    exited,
    stop: async (timeoutMs = 15000) => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGKILL');
      return exited;
    },
  };
  return handle;
}

/** Polls /readyz until 200, failing early (with the logs) if the process exits. */
export async function waitReady(p: ManagedProcess, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (p.child.exitCode !== null)
      throw new Error(`${p.name} exited with ${p.child.exitCode}:\n${p.logs.slice(-30).join('\n')}`);
    try {
      const res = await fetch(`http://127.0.0.1:${p.healthPort}/readyz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${p.name} not ready after ${timeoutMs} ms:\n${p.logs.slice(-30).join('\n')}`);
}

/** Polls until fn returns a value (not undefined), or fails with the last error/description. */
export async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 30000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(
    `timed out waiting for ${what}${last ? `: ${last instanceof Error ? String(last) : inspect(last)}` : ''}`,
  );
}
