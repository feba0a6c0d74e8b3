/** Display formats shared by the HTML page, the summary table and the test that compares them with the JSON. */
export const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(2)}%`);
export const num = (x: number | null) => (x === null ? 'n/a' : x.toFixed(2));
/** Minor units (fen) as yuan with two decimals, exact (integer arithmetic). */
export function money(minor: number): string {
  const neg = minor < 0;
  const a = Math.abs(minor);
  const s = `${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
  return neg ? `-${s}` : s;
}
export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
