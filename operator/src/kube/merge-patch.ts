/**
 * RFC 7386 JSON merge patch applied locally: objects merge recursively, `null` removes a key, anything else
 * (arrays included) replaces. The controller computes status changes as merge patches and sends the result
 * as a whole-status update guarded by resourceVersion: same outcome as a server-side merge patch on that
 * version, without the apiserver re-encoding and merging the stored object on every write.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else if (value !== undefined) out[key] = applyMergePatch(out[key], value);
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
