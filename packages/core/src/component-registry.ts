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

const noParams = z.strictObject({}, { error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown parameter(s): ${iss.keys.join(', ')}` : undefined) });

/**
 * Named strategies, risk managers and sizers. A Portfolio spec refers to them by name + params; building
 * validates every reference and reports all problems at once, each naming its field.
 */
export class ComponentRegistry {
  private readonly strategies = new Map<string, StrategyDefinition<never>>();
  private readonly risks = new Map<string, RiskDefinition<never>>();
  private readonly sizers = new Map<string, SizerDefinition<never>>();

  /** Registers a strategy: either a full definition or just `(view, event, ctx) => signals`. */
  registerStrategy<P>(name: string, def: StrategyDefinition<P> | StrategyFn): this {
    const full: StrategyDefinition<unknown> =
      typeof def === 'function' ? { params: noParams, create: () => ({ onPrice: def }) } : (def as StrategyDefinition<unknown>);
    this.strategies.set(name, full as StrategyDefinition<never>);
    return this;
  }

  registerRisk<P>(name: string, def: RiskDefinition<P>): this {
    this.risks.set(name, def as unknown as RiskDefinition<never>);
    return this;
  }

  registerSizer<P>(name: string, def: SizerDefinition<P>): this {
    this.sizers.set(name, def as unknown as SizerDefinition<never>);
    return this;
  }

  names(): { strategies: string[]; risks: string[]; sizers: string[] } {
    return { strategies: [...this.strategies.keys()], risks: [...this.risks.keys()], sizers: [...this.sizers.keys()] };
  }

  /** Builds the components of a spec or throws a ValidationError listing `field: problem` lines. */
  build(spec: Pick<PortfolioSpec, 'strategy' | 'riskManagers' | 'sizer'>): BuiltComponents {
    const problems: string[] = [];
    const one = <C>(kind: string, map: Map<string, ComponentDefinition<never, C>>, ref: ComponentRef, field: string) => {
      const def = map.get(ref.name);
      if (!def) {
        problems.push(`${field}.name: unknown ${kind} "${ref.name}" (known: ${[...map.keys()].join(', ') || 'none'})`);
        return undefined;
      }
      const r = (def.params as z.ZodType).safeParse(ref.params ?? {});
      if (!r.success) {
        for (const line of describeIssues(r.error)) problems.push(`${field}.params${line.startsWith('(root)') ? line.slice(6) : '.' + line}`);
        return undefined;
      }
      return { name: ref.name, key: componentKey(ref), impl: def.create(r.data as never) };
    };
    const strategy = one('strategy', this.strategies, spec.strategy, 'strategy');
    const risks = spec.riskManagers.map((r, i) => one('risk manager', this.risks, r, `riskManagers[${i}]`));
    const sizer = one('sizer', this.sizers, spec.sizer, 'sizer');
    if (problems.length || !strategy || !sizer || risks.some((r) => !r)) throw new ValidationError('portfolio spec', problems);
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
