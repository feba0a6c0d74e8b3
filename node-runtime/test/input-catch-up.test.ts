import type { MissedInput } from '../src/routing/input-catch-up.js';
import { mergeByEventTime } from '../src/routing/input-catch-up.js';

const input = (
  topic: string,
  partition: number,
  offset: number,
  ts: number,
): MissedInput<{ ts: number; id: string }> => ({
  event: { ts, id: `${topic}:${partition}@${offset}` },
  position: { topic, partition, offset: String(offset) },
});

describe('catch-up in event-time order', () => {
  test('S3.03 missed market data of several partitions and order events are applied as they happened, per partition in offset order', () => {
    // As the log reader returns them: partition by partition.
    const md = [
      input('md', 0, 10, 1000),
      input('md', 0, 11, 1300),
      input('md', 1, 4, 1000),
      input('md', 1, 5, 1100),
      input('md', 2, 7, 1200),
    ];
    const oe = [input('oe', 1, 3, 1000), input('oe', 1, 4, 1250)];
    const ids = mergeByEventTime([md, oe], (e) => e.ts).map((m) => m.event.id);
    // Ties: market data before order events (a fill at T follows the bar at T), then the lower partition.
    expect(ids).toEqual(['md:0@10', 'md:1@4', 'oe:1@3', 'md:1@5', 'md:2@7', 'oe:1@4', 'md:0@11']);
  });

  test('an input older than one before it in its own partition keeps its place (offset order within a partition)', () => {
    const md = [input('md', 0, 1, 500), input('md', 0, 2, 100), input('md', 1, 1, 300)];
    expect(mergeByEventTime([md], (e) => e.ts).map((m) => m.event.id)).toEqual(['md:1@1', 'md:0@1', 'md:0@2']);
  });
});
