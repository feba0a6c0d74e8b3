import { DedupeWindow } from '../src/index.js';

/** The window's meaning in its plainest form: a Set plus the ids in order, oldest evicted first. */
class ModelWindow {
  private readonly set: Set<string>;
  constructor(
    private readonly capacity: number,
    private readonly ids: string[],
  ) {
    if (ids.length > capacity) ids.splice(0, ids.length - capacity);
    this.set = new Set(ids);
  }
  has(id: string): boolean {
    return this.set.has(id);
  }
  admit(id: string): boolean {
    if (this.set.has(id)) return false;
    this.ids.push(id);
    this.set.add(id);
    if (this.ids.length > this.capacity) this.set.delete(this.ids.shift()!);
    return true;
  }
  toArray(): string[] {
    return [...this.ids];
  }
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

test('the dedupe window answers as a Set of the last `capacity` ids would, restored ids with repeats included', () => {
  const r = rng(7);
  for (let round = 0; round < 150; round++) {
    const capacity = Math.floor(r() * 12);
    const alphabet = 1 + Math.floor(r() * 30);
    const id = () => `e${Math.floor(r() * alphabet)}`;
    const restored = Array.from({ length: Math.floor(r() * 15) }, id);
    const w = new DedupeWindow(capacity, [...restored]);
    const m = new ModelWindow(capacity, [...restored]);
    for (let step = 0; step < 300; step++) {
      const x = id();
      const op = r();
      if (op < 0.4) expect(w.has(x)).toBe(m.has(x));
      else if (op < 0.95) expect(w.admit(x)).toBe(m.admit(x));
      else {
        w.compact();
        expect(w.toArray()).toEqual(m.toArray());
      }
    }
    for (let i = 0; i < alphabet; i++) expect(w.has(`e${i}`)).toBe(m.has(`e${i}`));
  }
});

test('a window of thousands keeps exactly the newest ids through many evictions', () => {
  const w = new DedupeWindow(5000);
  for (let i = 0; i < 40_000; i++) expect(w.admit(`t${i}`)).toBe(true);
  expect(w.has('t34999')).toBe(false);
  expect(w.has('t35000')).toBe(true);
  expect(w.admit('t39999')).toBe(false);
  expect(w.toArray()).toHaveLength(5000);
  expect(w.toArray()[0]).toBe('t35000');
});

test('windows sharing a tape answer as their models do, with their own ids, redeliveries and restores mixed in', () => {
  const r = rng(11);
  const capacity = 40;
  const make = (ids: string[]) => ({ w: new DedupeWindow(capacity, [...ids]), m: new ModelWindow(capacity, [...ids]) });
  const pairs = Array.from({ length: 6 }, () => make([]));
  for (let tick = 0; tick < 3000; tick++) {
    const shared = `t${tick}`;
    pairs.forEach((p, k) => {
      expect(p.w.admit(shared)).toBe(p.m.admit(shared));
      const op = r();
      // Own ids (fills), an id redelivered from up to twice the window back, or a restore from the model.
      if (op < 0.1) expect(p.w.admit(`f${k}-${tick}`)).toBe(p.m.admit(`f${k}-${tick}`));
      else if (op < 0.15) {
        const old = `t${Math.max(0, tick - Math.floor(r() * 2 * capacity))}`;
        expect(p.w.admit(old)).toBe(p.m.admit(old));
      } else if (op < 0.16) pairs[k] = make(p.m.toArray());
    });
  }
  for (const p of pairs) {
    p.w.compact();
    expect(p.w.toArray()).toEqual(p.m.toArray());
  }
});

test('an id held while the shared id registry turned over is still refused', () => {
  const held = new DedupeWindow(3);
  expect(held.admit('x')).toBe(true);
  // More ids than the registry keeps serials for, admitted through another window.
  const other = new DedupeWindow(10);
  for (let i = 0; i < 140_000; i++) other.admit(`r${i}`);
  expect(held.admit('x')).toBe(false);
  expect(held.admit('y')).toBe(true);
  expect(held.admit('x')).toBe(false);
});
