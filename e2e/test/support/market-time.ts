/** Epoch ms of a Shanghai wall-clock time (UTC+8, no DST) on a given day. */
export function shanghaiTs(day: string, hhmm: string, seconds = 0): number {
  const [y, mo, d] = day.split('-').map(Number) as [number, number, number];
  const [h, mi] = hhmm.split(':').map(Number) as [number, number];
  return Date.UTC(y, mo - 1, d, h - 8, mi, seconds);
}
