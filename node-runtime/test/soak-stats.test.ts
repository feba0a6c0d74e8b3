import { slope, soakFigures, summarizeSoak, type SoakSample } from '../bench/soak-stats.js';

const at = (atS: number, events: number, rssMb: number, heapMb: number, sent = events): SoakSample => ({
  atS,
  events,
  sent,
  rssMb,
  heapMb,
  heapTotalMb: heapMb * 2,
  externalMb: 5,
});

describe('soak figures (make soak)', () => {
  it('S7.01: the slope of a line is its gradient; a flat series or a single point has slope 0', () => {
    expect(
      slope([
        [0, 1],
        [1, 3],
        [2, 5],
      ]),
    ).toBeCloseTo(2, 12);
    expect(
      slope([
        [0, 7],
        [1, 7],
        [2, 7],
      ]),
    ).toBe(0);
    expect(slope([[3, 4]])).toBe(0);
  });

  it('S7.01: slopes are fitted past the warm-up, per million events and per hour; peak RSS and backlog over all samples', () => {
    // Warm-up (first fifth): memory climbs; after it the heap is flat and RSS grows 6 MB per hour.
    const samples = [
      at(0, 0, 100, 20),
      at(360, 360_000, 250, 60),
      ...[720, 1080, 1440, 1800, 2160, 2520, 2880, 3240].map((t) => at(t, t * 1000, 200 + (6 * t) / 3600, 80)),
    ];
    samples[4]!.sent = samples[4]!.events + 1234;
    const s = summarizeSoak(samples);
    expect(s.samples).toBe(10);
    expect(s.steadySamples).toBe(8);
    expect(s.peakRssMb).toBe(250);
    expect(s.peakHeapMb).toBe(80);
    expect(s.heapSlopeMbPerMillion).toBeCloseTo(0, 9);
    expect(s.heapSlopeMbPerHour).toBeCloseTo(0, 9);
    expect(s.rssSlopeMbPerHour).toBeCloseTo(6, 9);
    // 3.6 million events per hour.
    expect(s.rssSlopeMbPerMillion).toBeCloseTo(6 / 3.6, 9);
    expect(s.maxLag).toBe(1234);
  });

  it('S7.01: the figures are named node.soak.* and rounded to 0.01', () => {
    const s = summarizeSoak([at(0, 0, 100.123, 20), at(10, 1e6, 101.456, 20)]);
    const figures = soakFigures(s, 500);
    expect(figures.map((f) => f.name)).toEqual([
      'node.soak.rss.peak.mb',
      'node.soak.heap.peak.mb',
      'node.soak.rss.slopeMbPerM',
      'node.soak.heap.slopeMbPerM',
      'node.soak.rss.slopeMbPerHour',
      'node.soak.heap.slopeMbPerHour',
    ]);
    expect(figures[0]).toMatchObject({ value: 101.46, unit: 'MB', better: 'lower' });
    expect(figures[2]).toMatchObject({ value: 1.33, unit: 'MB/M events' });
  });
});
