import { z } from 'zod';
import { describeIssues, type PortfolioSpec } from '@ginkgo/contracts';
import type { NodeInfo } from './node-info.js';
import { missingOn, requiredComponents, servesMarket } from './placement.js';

/** One component of a spec with the field that names it (for messages): `spec.riskManagers[1]`. */
interface SpecComponent {
  key: string;
  field: string;
  params: Record<string, unknown>;
}

function componentsOf(spec: PortfolioSpec): SpecComponent[] {
  return [
    { key: `strategy:${spec.strategy.name}`, field: 'spec.strategy', params: spec.strategy.params },
    ...spec.riskManagers.map((r, i) => ({ key: `risk:${r.name}`, field: `spec.riskManagers[${i}]`, params: r.params })),
    { key: `sizer:${spec.sizer.name}`, field: 'spec.sizer', params: spec.sizer.params },
  ];
}

/**
 * Checks a spec's component params against the JSON Schemas the nodes advertise, before the portfolio is
 * placed: a bad `short` for ma-cross is refused here with the field named, instead of the portfolio failing on
 * its node. Only nodes that could run it are asked (live, serving its market, with every component); the params
 * pass when one of them accepts them (nodes of different images may advertise different versions). A node that
 * sends no schema for a component, or one that cannot be read, accepts it here: it checks exactly at start.
 * The JSON Schema of a params schema that coerces or preprocesses its input (`z.coerce`, `z.preprocess`) is
 * stricter than the schema itself; such a package's params must be given in the types its schema describes.
 */
export class AdvertisedParamsCheck {
  /** Schemas compiled once per distinct advert (nodes of one image share them). */
  private readonly compiled = new Map<string, z.ZodType | null>();

  /** Why no node would accept the params, or undefined when some node does (or none can judge). */
  problems(spec: PortfolioSpec, nodes: Iterable<NodeInfo>): string | undefined {
    const required = requiredComponents(spec);
    const candidates = [...nodes]
      .filter((n) => n.live && servesMarket(n, spec.market) && missingOn(n, required).length === 0)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    let first: string[] | undefined;
    for (const n of candidates) {
      const found = this.problemsOn(n, componentsOf(spec));
      if (found.length === 0) return undefined;
      first ??= found;
    }
    return first?.join('; ');
  }

  /** The problems one node finds; a component it sent no (readable) schema for is its own to check at start. */
  private problemsOn(node: NodeInfo, components: SpecComponent[]): string[] {
    const problems: string[] = [];
    for (const c of components) {
      const schema = this.schema(node.componentParams?.get(c.key));
      if (!schema) continue;
      const r = schema.safeParse(c.params);
      if (r.success) continue;
      for (const line of describeIssues(r.error))
        problems.push(`${c.field}.params${line.startsWith('(root)') ? line.slice(6) : `.${line}`}`);
    }
    return problems;
  }

  private schema(advert: unknown): z.ZodType | null {
    if (advert === undefined || advert === null || typeof advert !== 'object') return null;
    const key = JSON.stringify(advert);
    let s = this.compiled.get(key);
    if (s === undefined) {
      try {
        s = z.fromJSONSchema(advert as Parameters<typeof z.fromJSONSchema>[0]);
      } catch {
        s = null;
      }
      if (this.compiled.size >= 256) this.compiled.clear(); // a bound: one entry per image version in practice
      this.compiled.set(key, s);
    }
    return s;
  }
}
