import { describeIssues, ValidationError, type ComponentRef, type PortfolioSpec } from '@ginkgo/contracts';
import type { ComponentDefinition, RiskManager, Sizer, Strategy, StrategyFn } from './component-api.js';
import { z } from 'zod';

export type StrategyDefinition<P = unknown> = ComponentDefinition<P, Strategy>;
export type RiskDefinition<P = unknown> = ComponentDefinition<P, RiskManager>;
export type SizerDefinition<P = unknown> = ComponentDefinition<P, Sizer>;

export interface BuiltComponents {
  strategy: { name: string; key: string; impl: Strategy };
  risks: { name: string; key: string; impl: RiskManager }[];
  sizer: { name: string; key: string; impl: Sizer };
}

export type ComponentKind = 'strategy' | 'risk' | 'sizer';

/** What a strategy package's default export holds: its name (the npm name), version and components by short name. */
export interface ComponentPackage {
  name: string;
  version: string;
  strategies?: Record<string, PackagedDefinition<Strategy>>;
  risks?: Record<string, PackagedDefinition<RiskManager>>;
  sizers?: Record<string, PackagedDefinition<Sizer>>;
}

/** A definition of any params type (what a package exports); the registry validates params before create. */
export interface PackagedDefinition<C> {
  params: z.ZodType;
  create(params: never): C;
  description?: string;
}

export interface ComponentDescription {
  kind: ComponentKind;
  name: string;
  version: string;
  description: string;
  /** JSON Schema of the params (input form, defaults optional). */
  params: unknown;
}

/** Version reported for built-in components: they ship with the platform. */
export const BUILTIN_VERSION = '0.1.0';
/** The part of a component name after the package. */
export const COMPONENT_SHORT_NAME = /^[a-z][a-z0-9-]{0,62}$/;

const noParams = z.strictObject(
  {},
  { error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown parameter(s): ${iss.keys.join(', ')}` : undefined) },
);

/**
 * Named strategies, risk managers and sizers. A Portfolio spec refers to them by name + params; building
 * validates every reference and reports all problems at once, each naming its field.
 */
export class ComponentRegistry {
  private readonly strategies = new Map<string, StrategyDefinition<never>>();
  private readonly risks = new Map<string, RiskDefinition<never>>();
  private readonly sizers = new Map<string, SizerDefinition<never>>();
  /** `<kind>:<name>` -> version; built-ins carry the platform's. */
  private readonly versions = new Map<string, string>();

  /** Registers a strategy: either a full definition or just `(view, event, ctx) => signals`. */
  registerStrategy<P>(name: string, def: StrategyDefinition<P> | StrategyFn, version?: string): this {
    if (version !== undefined) this.versions.set(`strategy:${name}`, version);
    const full: StrategyDefinition<unknown> =
      typeof def === 'function'
        ? { params: noParams, create: () => ({ onPrice: def }) }
        : (def as StrategyDefinition<unknown>);
    this.strategies.set(name, full as StrategyDefinition<never>);
    return this;
  }

  registerRisk<P>(name: string, def: RiskDefinition<P>, version?: string): this {
    if (version !== undefined) this.versions.set(`risk:${name}`, version);
    this.risks.set(name, def as unknown as RiskDefinition<never>);
    return this;
  }

  registerSizer<P>(name: string, def: SizerDefinition<P>, version?: string): this {
    if (version !== undefined) this.versions.set(`sizer:${name}`, version);
    this.sizers.set(name, def as unknown as SizerDefinition<never>);
    return this;
  }

  /**
   * Adds the components of a strategy package as `<package>/<name>`, refusing a name that is already
   * registered (two packages, or a package and a built-in): a silent override would run the wrong code.
   */
  registerPackage(pkg: ComponentPackage): this {
    const problems: string[] = [];
    const add = (kind: ComponentKind, map: Map<string, unknown>, entries: Record<string, unknown> | undefined) => {
      for (const short of Object.keys(entries ?? {})) {
        const name = `${pkg.name}/${short}`;
        if (map.has(name))
          problems.push(
            `${kind} "${name}" is already registered (version ${this.versions.get(`${kind}:${name}`) ?? 'built-in'})`,
          );
        else if (!COMPONENT_SHORT_NAME.test(short))
          problems.push(`${kind} "${name}": "${short}" must match ${COMPONENT_SHORT_NAME}`);
      }
    };
    add('strategy', this.strategies, pkg.strategies);
    add('risk', this.risks, pkg.risks);
    add('sizer', this.sizers, pkg.sizers);
    if (problems.length) throw new ValidationError(`strategy package ${pkg.name}@${pkg.version}`, problems);
    for (const [short, def] of Object.entries(pkg.strategies ?? {}))
      this.registerStrategy(`${pkg.name}/${short}`, def as StrategyDefinition<never>, pkg.version);
    for (const [short, def] of Object.entries(pkg.risks ?? {}))
      this.registerRisk(`${pkg.name}/${short}`, def as RiskDefinition<never>, pkg.version);
    for (const [short, def] of Object.entries(pkg.sizers ?? {}))
      this.registerSizer(`${pkg.name}/${short}`, def as SizerDefinition<never>, pkg.version);
    return this;
  }

  /** Every component with its version, description and params as JSON Schema (for `ginkgo components` and node adverts). */
  describe(): ComponentDescription[] {
    const out: ComponentDescription[] = [];
    const list = (kind: ComponentKind, map: Map<string, ComponentDefinition<never, unknown>>) => {
      for (const [name, def] of map) {
        let params: unknown;
        try {
          params = z.toJSONSchema(def.params as z.ZodType, { io: 'input', unrepresentable: 'any' });
        } catch {
          params = {};
        }
        out.push({
          kind,
          name,
          version: this.versions.get(`${kind}:${name}`) ?? BUILTIN_VERSION,
          description: def.description ?? '',
          params,
        });
      }
    };
    list('strategy', this.strategies);
    list('risk', this.risks);
    list('sizer', this.sizers);
    return out;
  }

  names(): { strategies: string[]; risks: string[]; sizers: string[] } {
    return { strategies: [...this.strategies.keys()], risks: [...this.risks.keys()], sizers: [...this.sizers.keys()] };
  }

  /** Builds the components of a spec or throws a ValidationError listing `field: problem` lines. */
  build(spec: Pick<PortfolioSpec, 'strategy' | 'riskManagers' | 'sizer'>): BuiltComponents {
    const problems: string[] = [];
    const one = <C>(
      kind: string,
      map: Map<string, ComponentDefinition<never, C>>,
      ref: ComponentRef,
      field: string,
    ) => {
      const def = map.get(ref.name);
      if (!def) {
        problems.push(`${field}.name: unknown ${kind} "${ref.name}" (known: ${[...map.keys()].join(', ') || 'none'})`);
        return undefined;
      }
      const r = (def.params as z.ZodType).safeParse(ref.params ?? {});
      if (!r.success) {
        for (const line of describeIssues(r.error))
          problems.push(`${field}.params${line.startsWith('(root)') ? line.slice(6) : '.' + line}`);
        return undefined;
      }
      return { name: ref.name, key: componentKey(ref), impl: def.create(r.data as never) };
    };
    const strategy = one('strategy', this.strategies, spec.strategy, 'strategy');
    const risks = spec.riskManagers.map((r, i) => one('risk manager', this.risks, r, `riskManagers[${i}]`));
    const sizer = one('sizer', this.sizers, spec.sizer, 'sizer');
    if (problems.length || !strategy || !sizer || risks.some((r) => !r))
      throw new ValidationError('portfolio spec', problems);
    return { strategy, risks: risks as BuiltComponents['risks'], sizer };
  }
}

/** Identity of a configured component; state is carried across a restore only when it is unchanged. */
export function componentKey(ref: ComponentRef): string {
  const params = ref.params ?? {};
  const sorted = Object.keys(params)
    .sort()
    .map((k) => [k, params[k]]);
  return `${ref.name}:${JSON.stringify(sorted)}`;
}
