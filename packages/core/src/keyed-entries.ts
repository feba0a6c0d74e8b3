/**
 * A Map-like view over `[key, value][]` held in the engine state. The array is what a snapshot stores:
 * insertion order survives JSON, which object keys such as "600000" would not. The index only speeds up
 * lookups and is rebuilt from the array, so the array stays the one source of truth.
 */
export class KeyedEntries<V> {
  private readonly index = new Map<string, [string, V]>();

  constructor(readonly entries: [string, V][]) {
    for (const e of entries) this.index.set(e[0], e);
  }

  get(key: string): V | undefined {
    return this.index.get(key)?.[1];
  }

  /** Like Map.set: an existing key keeps its place, a new one goes last. */
  set(key: string, value: V): void {
    const e = this.index.get(key);
    if (e) {
      e[1] = value;
      return;
    }
    const added: [string, V] = [key, value];
    this.entries.push(added);
    this.index.set(key, added);
  }

  *values(): IterableIterator<V> {
    for (const e of this.entries) yield e[1];
  }

  clear(): void {
    this.entries.length = 0;
    this.index.clear();
  }
}

/** Adds `item` to an insertion-ordered list used as a set; false when it was there already. */
export function addToList(list: string[], item: string): boolean {
  if (list.includes(item)) return false;
  list.push(item);
  return true;
}

/** Removes `item` from a list used as a set; false when it was not there. */
export function removeFromList(list: string[], item: string): boolean {
  const i = list.indexOf(item);
  if (i < 0) return false;
  list.splice(i, 1);
  return true;
}
