import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { describeIssues } from '@ginkgo/contracts';
import { setLogLevelEverywhere, type Logger } from './logger.js';

/**
 * Settings a process re-reads at run time without a restart: the log level and the thresholds of
 * its own warnings. Only what is safe to change live belongs here; connections, ports and ids do not.
 */
export const RuntimeSettings = z.object({
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  thresholds: z.record(z.string(), z.number().finite()).default({}),
});
export type RuntimeSettings = z.infer<typeof RuntimeSettings>;

export interface RuntimeSettingsOptions {
  /** JSON file, typically a mounted ConfigMap key (the kubelet swaps it atomically through `..data`). */
  file: string;
  /** Where reloads and refused files are reported. */
  logger: Logger;
  /** Re-check interval; a directory watch also reacts at once where the platform supports it. */
  pollMs?: number;
  /** Called with the new and the previous settings after each applied change. */
  onChange?: (next: RuntimeSettings, previous: RuntimeSettings) => void;
}

/**
 * Watches a settings file and applies each valid version: the log level goes to every logger of the
 * process (setLogLevelEverywhere); thresholds are read through `threshold()`. A missing, unreadable or
 * invalid file is reported (naming the field) and the last good settings stay in force.
 */
export class RuntimeSettingsWatcher {
  private settings: RuntimeSettings = { thresholds: {} };
  private lastRaw: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private readonly listeners = new Set<(next: RuntimeSettings, previous: RuntimeSettings) => void>();
  private reloading: Promise<boolean> = Promise.resolve(false);

  private constructor(private readonly opts: RuntimeSettingsOptions) {
    if (opts.onChange) this.listeners.add(opts.onChange);
  }

  /** Reads the file once (a bad first file leaves the defaults), then keeps watching it. */
  static async start(opts: RuntimeSettingsOptions): Promise<RuntimeSettingsWatcher> {
    const w = new RuntimeSettingsWatcher(opts);
    await w.reload();
    w.timer = setInterval(() => void w.reload(), opts.pollMs ?? 5000);
    w.timer.unref();
    try {
      // The kubelet replaces the `..data` symlink in the file's directory: watch the directory.
      w.watcher = watch(path.dirname(opts.file), { persistent: false }, () => void w.reload());
      w.watcher.on('error', () => w.watcher?.close());
    } catch {
      // Polling alone still picks changes up.
    }
    return w;
  }

  get current(): RuntimeSettings {
    return this.settings;
  }

  /** The named threshold from the file, or the fallback when it does not set it. */
  threshold(name: string, fallback: number): number {
    return this.settings.thresholds[name] ?? fallback;
  }

  onChange(listener: (next: RuntimeSettings, previous: RuntimeSettings) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Re-reads the file; resolves true when a new version was applied. Reloads never overlap. */
  reload(): Promise<boolean> {
    this.reloading = this.reloading.then(() => this.readAndApply());
    return this.reloading;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.watcher?.close();
    this.timer = undefined;
    this.watcher = undefined;
  }

  private async readAndApply(): Promise<boolean> {
    let raw: string;
    try {
      raw = await readFile(this.opts.file, 'utf8');
    } catch (err) {
      if (this.lastRaw !== '') {
        this.opts.logger.warn(
          { file: this.opts.file, err },
          'runtime settings file unreadable; keeping the current settings',
        );
      }
      this.lastRaw = '';
      return false;
    }
    if (raw === this.lastRaw) return false;
    this.lastRaw = raw;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (err) {
      this.opts.logger.error(
        { file: this.opts.file, problems: [`(file): not JSON: ${String(err)}`] },
        'runtime settings refused; keeping the current settings',
      );
      return false;
    }
    const parsed = RuntimeSettings.safeParse(json);
    if (!parsed.success) {
      this.opts.logger.error(
        { file: this.opts.file, problems: describeIssues(parsed.error) },
        'runtime settings refused; keeping the current settings',
      );
      return false;
    }
    const previous = this.settings;
    this.settings = parsed.data;
    if (parsed.data.logLevel && parsed.data.logLevel !== previous.logLevel) setLogLevelEverywhere(parsed.data.logLevel);
    // Logged after the level change, at warn so that it shows at every level an operator would pick.
    this.opts.logger.warn(
      { file: this.opts.file, logLevel: parsed.data.logLevel, thresholds: parsed.data.thresholds },
      'runtime settings applied',
    );
    for (const l of this.listeners) l(parsed.data, previous);
    return true;
  }
}

/**
 * The one line a main needs: watches RUNTIME_SETTINGS_FILE (every RUNTIME_SETTINGS_POLL_MS ms) when it is
 * set, as the chart sets it; resolves undefined when it is not.
 */
export async function watchRuntimeSettingsFromEnv(
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RuntimeSettingsWatcher | undefined> {
  const file = env.RUNTIME_SETTINGS_FILE;
  if (!file) return undefined;
  const poll = Number(env.RUNTIME_SETTINGS_POLL_MS ?? 5000);
  return RuntimeSettingsWatcher.start({ file, logger, pollMs: Number.isFinite(poll) && poll >= 100 ? poll : 5000 });
}
