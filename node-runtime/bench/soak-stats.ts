import type { BenchFigure } from '@ginkgo/platform';

/** One memory sample of the soak (heap after a full GC when the run has --expose-gc). */
export interface SoakSample {
  /** Seconds since the feed started. */
  atS: number;
  /** Ticks the node has handled so far. */
  events: number;
  /** Ticks the feeder has sent so far. */
  sent: number;
  rssMb: number;
  heapMb: number;
  /** The heap V8 holds (used or not), external memory (Buffers of the Kafka clients among it). */
  heapTotalMb: number;
  externalMb: number;
}

export interface SoakSummary {
  samples: number;
  /** Samples the slopes are fitted on: past the warm-up (the first fifth of the run). */
  steadySamples: number;
  peakRssMb: number;
  lastRssMb: number;
  peakHeapMb: number;
  rssSlopeMbPerMillion: number;
  heapSlopeMbPerMillion: number;
  rssSlopeMbPerHour: number;
  heapSlopeMbPerHour: number;
  /** The largest backlog (sent - handled) seen at a sample: a node that falls behind is not soaked at the rate. */
  maxLag: number;
}

/** Least-squares slope of y over x (0 when x does not vary). */
export function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const num = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const den = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

export function summarizeSoak(samples: readonly SoakSample[]): SoakSummary {
  const steady = samples.slice(Math.floor(samples.length / 5));
  const fit = (x: (s: SoakSample) => number, y: (s: SoakSample) => number) =>
    slope(steady.map((s) => [x(s), y(s)] as const));
  const perM = (s: SoakSample) => s.events / 1e6;
  const perH = (s: SoakSample) => s.atS / 3600;
  return {
    samples: samples.length,
    steadySamples: steady.length,
    peakRssMb: Math.max(0, ...samples.map((s) => s.rssMb)),
    lastRssMb: samples.at(-1)?.rssMb ?? 0,
    peakHeapMb: Math.max(0, ...samples.map((s) => s.heapMb)),
    rssSlopeMbPerMillion: fit(perM, (s) => s.rssMb),
    heapSlopeMbPerMillion: fit(perM, (s) => s.heapMb),
    rssSlopeMbPerHour: fit(perH, (s) => s.rssMb),
    heapSlopeMbPerHour: fit(perH, (s) => s.heapMb),
    maxLag: Math.max(0, ...samples.map((s) => s.sent - s.events)),
  };
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/** The soak's figures for reports/bench.json (`node.soak.*`). */
export function soakFigures(s: SoakSummary, portfolios: number): BenchFigure[] {
  const note = `${portfolios} portfolios, slopes fitted past the first fifth of the run`;
  const fig = (name: string, value: number, unit: string): BenchFigure => ({
    name: `node.soak.${name}`,
    value: round2(value),
    unit,
    better: 'lower',
    note,
  });
  return [
    fig('rss.peak.mb', s.peakRssMb, 'MB'),
    fig('heap.peak.mb', s.peakHeapMb, 'MB'),
    fig('rss.slopeMbPerM', s.rssSlopeMbPerMillion, 'MB/M events'),
    fig('heap.slopeMbPerM', s.heapSlopeMbPerMillion, 'MB/M events'),
    fig('rss.slopeMbPerHour', s.rssSlopeMbPerHour, 'MB/h'),
    fig('heap.slopeMbPerHour', s.heapSlopeMbPerHour, 'MB/h'),
  ];
}
