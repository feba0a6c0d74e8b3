import { IdHashSet } from './id-hash-set.js';

/** How many of the latest ids keep their serial; a dedupe window spanning more takes its exact path. */
const REGISTRY_SIZE = 1 << 17;

/**
 * Serial numbers for event ids, shared by every dedupe window of the process: an id gets the next serial
 * the first time any window asks about it, and keeps it while it is among the last REGISTRY_SIZE ids
 * registered. Serials only grow, so an id whose serial is above everything a window ever admitted is new to
 * that window, proven without a lookup in the window's own table. With hundreds of portfolios on one tape
 * they ask about the same id in turn, so one lookup here replaces one cache miss in each portfolio's table.
 * No answer depends on it: it only chooses between a window's fast and exact paths, which agree.
 */
class IdRegistry {
  private readonly ids: string[] = [];
  /** Index of the oldest id still registered, and how many ids were cut off the array so far. */
  private start = 0;
  private base = 0;
  private readonly set = new IdHashSet(REGISTRY_SIZE, (position) => this.ids[position - this.base]!);
  /** The last answer: every portfolio on a tape asks about the same id in turn. */
  private lastId: string | undefined;
  private lastSerial = 0;

  /** Serials below the floor were forgotten: their ids may come back under a new serial. */
  get floor(): number {
    return this.base + this.start;
  }

  serialOf(id: string): number {
    if (id === this.lastId) return this.lastSerial;
    const set = this.set;
    set.oldest = this.base + this.start;
    let serial = set.positionOrAdd(id, this.base + this.ids.length);
    if (serial < 0) {
      serial = this.base + this.ids.length;
      this.ids.push(id);
      if (this.ids.length - this.start > REGISTRY_SIZE) {
        set.delete(this.ids[this.start]!, this.base + this.start);
        this.start += 1;
        // Cut the forgotten ids off in batches, as the dedupe window does.
        if (this.start >= REGISTRY_SIZE) {
          this.ids.splice(0, this.start);
          this.base += this.start;
          this.start = 0;
        }
      }
    }
    this.lastId = id;
    this.lastSerial = serial;
    return serial;
  }
}

export const idRegistry = new IdRegistry();
