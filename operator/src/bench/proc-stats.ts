import { readFileSync, readdirSync } from 'node:fs';

/** Peak RSS (VmHWM) and CPU seconds (user + system) of a Linux process, from /proc; undefined once it is gone. */
export function procStats(pid: number): { peakRssBytes: number; cpuSeconds: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const peakRssBytes = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    // After the parenthesised command name, utime and stime are the 12th and 13th fields (clock ticks).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { peakRssBytes, cpuSeconds: (Number(fields[11]) + Number(fields[12])) / 100 };
  } catch {
    return undefined;
  }
}

/** CPU seconds used so far by the processes whose executable path ends with `exe` (read-only, for figures). */
export function cpuSecondsOf(exe: string): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
      if (argv0.endsWith(`/${exe}`)) total += procStats(Number(pid))?.cpuSeconds ?? 0;
    } catch {
      // gone meanwhile
    }
  }
  return total;
}
