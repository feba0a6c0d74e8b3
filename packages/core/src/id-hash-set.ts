/**
 * The index behind the dedupe window: which of the window's ids (held in the window's array) is remembered.
 * A Set of strings would do, but with hundreds of portfolios on one tape each keeps thousands of ids, and a
 * Set's buckets and entries scatter over memory; this open-addressing table packs hash and position into one
 * typed array, so a lookup touches one place and evicting the oldest id needs no string hashing.
 */

/** Positions are stored modulo 2^30 (tag = position + 1, 0 = empty); the window is far smaller than that. */
const TAG_MASK = 2 ** 30 - 1;

let lastId: string | undefined;
let lastHash = 0;

/** FNV-1a of the id; the last one is kept, because every portfolio on a tape asks about the same id in turn. */
function hashOf(id: string): number {
  if (id === lastId) return lastHash;
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  lastId = id;
  lastHash = h;
  return h;
}

export class IdHashSet {
  /** Pairs [hash, tag]; linear probing, deletion by backward shift (no tombstones). */
  private readonly table: Int32Array;
  private readonly mask: number;
  /** Hash of each remembered id by position modulo `ring.length`, so that eviction need not hash again. */
  private readonly ring: Int32Array;

  /**
   * `idAt(position)` returns the id stored at an absolute position (counted from the first id ever added);
   * at most `capacity + 1` ids are held at once.
   */
  constructor(
    capacity: number,
    private readonly idAt: (position: number) => string,
  ) {
    let slots = 8;
    while (slots < (capacity + 1) * 1.5) slots *= 2;
    this.table = new Int32Array(slots * 2);
    this.mask = slots - 1;
    this.ring = new Int32Array(capacity + 1);
  }

  /** The slot holding `id`, or the empty slot where it would go, as a table index (hash at i, tag at i + 1). */
  private find(id: string, h: number): number {
    const t = this.table;
    let s = h & this.mask;
    for (;;) {
      const i = s * 2;
      const tag = t[i + 1]!;
      if (tag === 0) return i;
      if (t[i] === h && this.idAt(this.tagPosition(tag)) === id) return i;
      s = (s + 1) & this.mask;
    }
  }

  /** Set by the owner before each call: the absolute position of the oldest id still held. */
  oldest = 0;

  /** The absolute position a tag stands for (the one within 2^30 at or after the oldest held). */
  private tagPosition(tag: number): number {
    return this.oldest + ((tag - 1 - this.oldest) & TAG_MASK);
  }

  has(id: string): boolean {
    return this.table[this.find(id, hashOf(id)) + 1] !== 0;
  }

  /** The absolute position `id` is held at, or -1 when it is not held. */
  positionOf(id: string): number {
    const tag = this.table[this.find(id, hashOf(id)) + 1]!;
    return tag === 0 ? -1 : this.tagPosition(tag);
  }

  /** The position `id` is held at; else adds it as held at `position` and returns -1 (one probe for both). */
  positionOrAdd(id: string, position: number): number {
    const h = hashOf(id);
    const i = this.find(id, h);
    const tag = this.table[i + 1]!;
    if (tag !== 0) return this.tagPosition(tag);
    this.ring[position % this.ring.length] = h;
    this.table[i] = h;
    this.table[i + 1] = (position & TAG_MASK) + 1;
    return -1;
  }

  /** Adds `id` as held at `position`; false (nothing changed) when it is held already. */
  add(id: string, position: number): boolean {
    const h = hashOf(id);
    // Kept even for an id held already: a restored window may hold an id twice, and evicting either copy
    // removes the id (as a Set would).
    this.ring[position % this.ring.length] = h;
    const i = this.find(id, h);
    if (this.table[i + 1] !== 0) return false;
    this.table[i] = h;
    this.table[i + 1] = (position & TAG_MASK) + 1;
    return true;
  }

  /** Removes `id`, which was added at `position` (its hash is remembered from then); no-op when not held. */
  delete(id: string, position: number): void {
    const t = this.table;
    const mask = this.mask;
    let i = this.find(id, this.ring[position % this.ring.length]!);
    if (t[i + 1] === 0) return;
    // Backward shift: pull later entries of the probe run into the hole when their home slot allows it.
    let hole = i / 2;
    let s = hole;
    for (;;) {
      s = (s + 1) & mask;
      const j = s * 2;
      if (t[j + 1] === 0) break;
      const home = t[j]! & mask;
      const between = hole <= s ? home > hole && home <= s : home > hole || home <= s;
      if (between) continue;
      i = hole * 2;
      t[i] = t[j]!;
      t[i + 1] = t[j + 1]!;
      hole = s;
    }
    t[hole * 2] = 0;
    t[hole * 2 + 1] = 0;
  }
}
