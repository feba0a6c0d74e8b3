/**
 * A deep copy of plain data (what a snapshot is: objects, arrays, primitives), sharing nothing with the
 * original. Several times quicker than structuredClone on an engine state of a few hundred orders, and a
 * state is copied on every save. Anything else (a Map, a Date, a class instance) goes through structuredClone,
 * so the result is never less of a copy than structuredClone's. No cycles (plain data has none).
 */
export function cloneData<T>(value: T): T {
  return copy(value) as T;
}

function copy(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copy(v[i]);
    return out;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = copy((v as Record<string, unknown>)[k]);
  return out;
}
