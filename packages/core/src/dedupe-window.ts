import { IdHashSet } from './id-hash-set.js';
import { idRegistry } from './id-registry.js';

/** Positions per run of the serial lower bounds. */
const BUCKET = 64;

/**
 * Bounded memory of recently seen event ids (oldest evicted first), so redelivered messages are applied
 * once. The ids live in a plain array, oldest first, which is what the engine state and its snapshot hold.
 * Evicted ids are cut off the front of the array in batches (one cut per `capacity` evictions, so a tick
 * does not pay for moving the whole array); compact() cuts them at once, before the array is read.
 *
 * Most ids are new, and the shared id registry proves it without a lookup: an id whose serial is above
 * every serial this window admitted cannot be held, as long as every held id still has its serial (the
 * oldest held one is above the registry's floor and serials grow along the array). Only other ids
 * (redeliveries, ids out of order) need the exact index; it is built from the array on demand, kept up to
 * date while such ids keep coming and dropped after `capacity` admissions without one. With hundreds of
 * portfolios sharing a tape, this keeps each portfolio's thousands of ids out of the cache.
 */
export class DedupeWindow {
  /** Exact index of the remembered ids, or null while no lookup needs it. */
  private set: IdHashSet | null = null;
  /** Index of the oldest id still remembered; ids before it are evicted but not yet cut off. */
  private start = 0;
  /** How many ids were cut off the array so far: ids[i] was added at position base + i. */
  private base = 0;
  /**
   * The lowest serial admitted in each run of BUCKET positions (by run number modulo the length, a power of
   * two): the run of the oldest held id bounds every held serial from below, with a few KB per window.
   */
  private readonly lows: Float64Array;
  private readonly lowMask: number;
  /** The highest serial ever admitted. */
  private maxSerial = -1;
  /** The last position admitted with a serial not above maxSerial; serials grow along positions after it. */
  private lowUntil = -1;
  /**
   * The last position of a repeated id in a restored array. A repeat's first copy, once evicted, takes the
   * id out of the window (as a Set would), so the index cannot be rebuilt from the array while it is held.
   */
  private repeatUntil = -1;
  /** Admissions the fast path proved new since the exact index was last needed. */
  private idle = 0;

  /** Works on `ids` in place; ids beyond the capacity are evicted oldest first. */
  constructor(
    readonly capacity: number,
    private readonly ids: string[] = [],
  ) {
    if (ids.length > capacity) ids.splice(0, ids.length - capacity);
    let slots = 2;
    while (slots < (capacity + 1) / BUCKET + 2) slots *= 2;
    this.lows = new Float64Array(slots);
    this.lowMask = slots - 1;
    if (ids.length === 0) return;
    const set = this.newIndex();
    ids.forEach((id, i) => {
      if (!set.add(id, i)) this.repeatUntil = i;
      this.note(idRegistry.serialOf(id), i);
    });
    this.set = set;
  }

  has(id: string): boolean {
    const set = this.index();
    set.oldest = this.base + this.start;
    return set.has(id);
  }

  add(id: string): void {
    this.admit(id);
  }

  /** Remembers `id` and says whether it is new: false when it is remembered already. */
  admit(id: string): boolean {
    const serial = idRegistry.serialOf(id);
    const oldest = this.base + this.start;
    const position = this.base + this.ids.length;
    let set = this.set;
    if (this.provenNew(serial, oldest, position)) {
      if (set !== null && ++this.idle > this.capacity && oldest > this.repeatUntil) set = this.set = null;
      if (set !== null) {
        set.oldest = oldest;
        set.add(id, position);
      }
    } else {
      set ??= this.index();
      this.idle = 0;
      set.oldest = oldest;
      if (!set.add(id, position)) return false;
    }
    this.note(serial, position);
    this.ids.push(id);
    if (this.ids.length - this.start > this.capacity) {
      set?.delete(this.ids[this.start]!, oldest);
      this.start += 1;
      if (this.start >= this.capacity) this.compact();
    }
    return true;
  }

  /** Cuts the evicted ids off the array, so that it holds exactly the remembered ones. */
  compact(): void {
    if (this.start === 0) return;
    this.ids.splice(0, this.start);
    this.base += this.start;
    this.start = 0;
  }

  /** Oldest first, so restoring replays the same eviction order. */
  toArray(): string[] {
    return this.ids.slice(this.start);
  }

  /** A window over a copy of `ids`. */
  static from(capacity: number, ids: readonly string[]): DedupeWindow {
    return new DedupeWindow(capacity, [...new Set(ids)]);
  }

  /** True when an id of this serial cannot be among the remembered ids (positions oldest..end-1). */
  private provenNew(serial: number, oldest: number, end: number): boolean {
    if (serial <= this.maxSerial) return false;
    if (oldest === end) return true;
    return oldest > this.lowUntil && this.lows[Math.floor(oldest / BUCKET) & this.lowMask]! >= idRegistry.floor;
  }

  /** Records the serial of the id admitted at `position`. */
  private note(serial: number, position: number): void {
    if (serial <= this.maxSerial) this.lowUntil = position;
    else this.maxSerial = serial;
    const run = Math.floor(position / BUCKET) & this.lowMask;
    if (position % BUCKET === 0 || serial < this.lows[run]!) this.lows[run] = serial;
  }

  private newIndex(): IdHashSet {
    return new IdHashSet(Math.max(0, this.capacity), (position) => this.ids[position - this.base]!);
  }

  /** The exact index, rebuilt from the array when it was dropped (never while a restored repeat is held). */
  private index(): IdHashSet {
    if (this.set !== null) return this.set;
    const set = this.newIndex();
    set.oldest = this.base + this.start;
    for (let i = this.start; i < this.ids.length; i++) set.add(this.ids[i]!, this.base + i);
    this.idle = 0;
    this.set = set;
    return set;
  }
}
