/**
 * Converts the JSON Schema that zod 4 generates (draft 2020-12) into a Kubernetes structural
 * OpenAPI v3 schema: every node has one `type`, no `$schema`, no `additionalProperties: false`,
 * no `propertyNames`; free-form parameter maps become `type: object` with values of any scalar.
 * Patterns, bounds, enums and defaults are kept so the API server enforces them.
 */
export type JsonSchema = { [key: string]: unknown };

const DROP = new Set(['$schema', 'propertyNames', '$id', 'id', 'examples', 'title']);
const SAFE_INT = 9007199254740991;

function isObject(v: unknown): v is JsonSchema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A record whose values are a union of scalar types (zod: z.record(z.string(), z.union([...]))). */
function isScalarMap(s: JsonSchema): boolean {
  const ap = s.additionalProperties;
  if (!isObject(ap)) return false;
  const t = ap.type;
  if (Array.isArray(t)) return true;
  return Array.isArray(ap.anyOf) || Array.isArray(ap.oneOf);
}

export function toStructural(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  if (schema.type === 'object' && isScalarMap(schema)) {
    // Parameter maps: values are number | string | boolean. CEL rules (see portfolio-crd.ts) check the types.
    out.type = 'object';
    out['x-kubernetes-preserve-unknown-fields'] = true;
    if (schema.description !== undefined) out.description = schema.description;
    if (schema.default !== undefined) out.default = schema.default;
    return out;
  }
  for (const [key, value] of Object.entries(schema)) {
    if (DROP.has(key)) continue;
    if (key === 'additionalProperties') {
      if (value === false) continue;
      if (isObject(value)) out.additionalProperties = toStructural(value);
      continue;
    }
    if (key === 'properties' && isObject(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toStructural(v as JsonSchema)]));
      continue;
    }
    if (key === 'items' && isObject(value)) {
      out.items = toStructural(value);
      continue;
    }
    // Draft 2020-12 numeric exclusive bounds -> OpenAPI v3.0 boolean form.
    if ((key === 'exclusiveMinimum' || key === 'exclusiveMaximum') && typeof value === 'number') {
      out[key === 'exclusiveMinimum' ? 'minimum' : 'maximum'] = value;
      out[key] = true;
      continue;
    }
    if ((key === 'minimum' && value === -SAFE_INT) || (key === 'maximum' && value === SAFE_INT)) continue;
    if (key === 'type' && Array.isArray(value)) {
      throw new Error(`structural schemas need one type per field, got ${JSON.stringify(value)}`);
    }
    if (key === 'anyOf' || key === 'oneOf' || key === 'allOf' || key === 'not' || key === '$ref' || key === '$defs') {
      throw new Error(`unsupported JSON schema keyword "${key}" in a structural schema`);
    }
    out[key] = value;
  }
  return out;
}

/** Adds `description` to every field from a map keyed by dotted path (`strategy.params`, `positions[].code`). */
export function describeFields(schema: JsonSchema, descriptions: Record<string, string>, path = ''): JsonSchema {
  const out: JsonSchema = { ...schema };
  if (path && out.description === undefined && descriptions[path] !== undefined) out.description = descriptions[path];
  if (isObject(out.properties)) {
    out.properties = Object.fromEntries(
      Object.entries(out.properties).map(([k, v]) => [
        k,
        describeFields(v as JsonSchema, descriptions, path ? `${path}.${k}` : k),
      ]),
    );
  }
  if (isObject(out.items)) out.items = describeFields(out.items, descriptions, `${path}[]`);
  return out;
}

/** Lists the dotted paths of fields that lack a description (for tests: `kubectl explain` shows every one). */
export function undescribedFields(schema: JsonSchema, path = ''): string[] {
  const missing: string[] = [];
  if (path && schema.description === undefined) missing.push(path);
  if (isObject(schema.properties)) {
    for (const [k, v] of Object.entries(schema.properties)) {
      missing.push(...undescribedFields(v as JsonSchema, path ? `${path}.${k}` : k));
    }
  }
  if (isObject(schema.items)) missing.push(...undescribedFields(schema.items, `${path}[]`));
  return missing;
}
