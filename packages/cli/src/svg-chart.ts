import { esc } from './format.js';

export interface Series {
  labels: string[];
  values: number[];
}

interface ChartOptions {
  width?: number;
  height?: number;
  title: string;
  format: (v: number) => string;
  kind: 'line' | 'area' | 'bars';
  color: string;
}

/** Round step (1, 2, 5 x 10^k) for about `n` gridlines over `span`. */
function niceStep(span: number, n: number): number {
  const raw = span / Math.max(1, n);
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/**
 * An inline SVG chart with axes, value gridlines and date labels. A single point is drawn as a marker with
 * a flat line across the plot, so a one-day run still shows its value (not an empty frame).
 */
export function svgChart(s: Series, o: ChartOptions): string {
  const W = o.width ?? 900;
  const H = o.height ?? 260;
  const L = 90;
  const R = 50;
  const T = 30;
  const B = 50;
  const pw = W - L - R;
  const ph = H - T - B;
  const n = s.values.length;
  let lo = Math.min(...s.values, o.kind === 'line' ? Infinity : 0);
  let hi = Math.max(...s.values, o.kind === 'line' ? -Infinity : 0);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) lo = hi = 0;
  if (hi === lo) {
    const pad = Math.abs(hi) * 0.01 || 1;
    hi += pad;
    lo -= pad;
  }
  const step = niceStep(hi - lo, 5);
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil(hi / step) * step;
  const y = (v: number) => T + ph - ((v - lo) / (hi - lo)) * ph;
  // Bars sit in the middle of their slot; lines run edge to edge.
  const x = (i: number) =>
    o.kind === 'bars' ? L + ((i + 0.5) / Math.max(1, n)) * pw : n <= 1 ? L + pw / 2 : L + (i / (n - 1)) * pw;
  const parts: string[] = [];
  parts.push(`<text x="${L}" y="18" class="ct">${esc(o.title)}</text>`);
  const lines = Math.round((hi - lo) / step);
  for (let k = 0; k <= lines; k++) {
    const v = lo + k * step;
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="grid"/>`);
    parts.push(
      `<text x="${L - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" class="ax">${esc(o.format(v))}</text>`,
    );
  }
  const every = Math.max(1, Math.ceil(n / 8));
  s.labels.forEach((label, i) => {
    if (i % every !== 0 && i !== n - 1) return;
    parts.push(`<line x1="${x(i).toFixed(1)}" x2="${x(i).toFixed(1)}" y1="${T}" y2="${T + ph}" class="grid"/>`);
    parts.push(`<text x="${x(i).toFixed(1)}" y="${T + ph + 18}" text-anchor="middle" class="ax">${esc(label)}</text>`);
  });
  parts.push(
    `<line x1="${L}" x2="${L}" y1="${T}" y2="${T + ph}" class="axis"/><line x1="${L}" x2="${W - R}" y1="${T + ph}" y2="${T + ph}" class="axis"/>`,
  );
  if (o.kind === 'bars') {
    const bw = Math.max(2, Math.min(40, (pw / Math.max(1, n)) * 0.7));
    s.values.forEach((v, i) => {
      const top = Math.min(y(v), y(0));
      parts.push(
        `<rect x="${(x(i) - bw / 2).toFixed(1)}" y="${top.toFixed(1)}" width="${bw.toFixed(1)}" height="${Math.max(1, Math.abs(y(v) - y(0))).toFixed(1)}" fill="${v >= 0 ? '#2e7d32' : '#c62828'}"><title>${esc(s.labels[i]!)}: ${esc(o.format(v))}</title></rect>`,
      );
    });
  } else {
    const pts =
      n === 1
        ? [`${L},${y(s.values[0]!).toFixed(1)}`, `${W - R},${y(s.values[0]!).toFixed(1)}`]
        : s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`);
    if (o.kind === 'area')
      parts.push(
        `<polygon points="${L},${y(0).toFixed(1)} ${pts.join(' ')} ${n === 1 ? W - R : x(n - 1).toFixed(1)},${y(0).toFixed(1)}" fill="${o.color}" opacity="0.35"/>`,
      );
    parts.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${o.color}" stroke-width="2"/>`);
    s.values.forEach((v, i) =>
      parts.push(
        `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="${n <= 31 ? 3 : 1.5}" fill="${o.color}"><title>${esc(s.labels[i]!)}: ${esc(o.format(v))}</title></circle>`,
      ),
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(o.title)}">${parts.join('')}</svg>`;
}
