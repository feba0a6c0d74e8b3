import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command; resolves with its exit code and output (never rejects). Default timeout 2 minutes. */
export function exec(
  cmd: string,
  args: string[],
  opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      { env: opts.env ?? process.env, cwd: opts.cwd, maxBuffer: 64 * 1024 * 1024, timeout: opts.timeoutMs ?? 120_000 },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : 1
          : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** The test bed's kubectl (KUBECTL), or the one on the PATH. */
export const kubectlBin = process.env.KUBECTL && existsSync(process.env.KUBECTL) ? process.env.KUBECTL : 'kubectl';

/** What a trader types: kubectl with the test bed's kubeconfig; exit code and output (stdout then stderr). */
export function kubectl(args: string[], input?: string): { code: number | null; out: string } {
  const r = spawnSync(kubectlBin, args, { encoding: 'utf8', input, env: process.env, timeout: 30000 });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}
