import type { ComponentDefinition, ComponentPackage, RiskManager, Sizer, Strategy } from '@ginkgo/core';

/** Typed identity helpers: `params` is a zod schema, `create` gets the parsed params. */
export const defineStrategy = <P>(d: ComponentDefinition<P, Strategy>): ComponentDefinition<P, Strategy> => d;
export const defineRisk = <P>(d: ComponentDefinition<P, RiskManager>): ComponentDefinition<P, RiskManager> => d;
export const defineSizer = <P>(d: ComponentDefinition<P, Sizer>): ComponentDefinition<P, Sizer> => d;

/**
 * The default export of a strategy package. `name` must be the npm package name: components are named
 * `<name>/<component>` in Portfolio specs (e.g. `@acme/strategies/momentum`).
 */
export const definePackage = (p: ComponentPackage): ComponentPackage => p;
