import type { PortfolioSpec } from '@ginkgo/contracts';

/**
 * Whether two specs are equal apart from interestedCodes: such a change is applied to the running worker in
 * place (no restart). Key order does not matter.
 */
export function sameButInterest(before: PortfolioSpec, after: PortfolioSpec): boolean {
  const rest = (spec: PortfolioSpec) => canonicalJson({ ...spec, interestedCodes: [] });
  return rest(before) === rest(after);
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
