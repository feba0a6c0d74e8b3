import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { createDefaultRegistry, type ComponentPackage, type ComponentRegistry } from '@ginkgo/core';

/** The shape a strategy package's default export must have (components are checked by the registry). */
const Definition = z.object({
  params: z.custom<z.ZodType>(
    (v) => typeof (v as { safeParse?: unknown } | null)?.safeParse === 'function',
    'must be a zod schema',
  ),
  create: z.custom<(p: never) => unknown>((v) => typeof v === 'function', 'must be a function'),
});
const PackageExport = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  strategies: z.record(z.string(), Definition).optional(),
  risks: z.record(z.string(), Definition).optional(),
  sizers: z.record(z.string(), Definition).optional(),
});

export interface LoadedPackage {
  name: string;
  version: string;
  components: string[];
}

/** `STRATEGY_PACKAGES=@acme/strategies,@acme/risk` (or paths, for development) as a list. */
export function parsePackageList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

const importSpecifier = (name: string) =>
  name.startsWith('.') || isAbsolute(name) ? pathToFileURL(resolve(name)).href : name;

/**
 * Loads strategy packages (ordinary ESM npm packages whose default export lists their components) into a
 * registry holding the built-ins. Any problem (not installed, throws on import, wrong export, a name
 * already taken) is an error naming the package: the process must stop at start, not run without a
 * strategy that a Portfolio names.
 */
export async function loadStrategyPackages(
  names: readonly string[],
  registry: ComponentRegistry = createDefaultRegistry(),
  importer: (specifier: string) => Promise<unknown> = (s) => import(s),
): Promise<{ registry: ComponentRegistry; loaded: LoadedPackage[] }> {
  const loaded: LoadedPackage[] = [];
  for (const name of names) {
    let mod: unknown;
    try {
      mod = await importer(importSpecifier(name));
    } catch (err) {
      throw new Error(`strategy package ${name}: failed to load: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
    const exported = (mod as { default?: unknown } | null)?.default;
    const parsed = PackageExport.safeParse(exported);
    if (!parsed.success) {
      throw new Error(
        `strategy package ${name}: default export must be { name, version, strategies?, risks?, sizers? } (${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')})`,
      );
    }
    const pkg = exported as ComponentPackage;
    // Paths are for development; an npm name must match what the package says it is (that is the prefix users write).
    if (!name.startsWith('.') && !isAbsolute(name) && pkg.name !== name)
      throw new Error(`strategy package ${name}: its default export says name "${pkg.name}"`);
    try {
      registry.registerPackage(pkg);
    } catch (err) {
      throw new Error(`strategy package ${name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    const components = [
      ...Object.keys(pkg.strategies ?? {}),
      ...Object.keys(pkg.risks ?? {}),
      ...Object.keys(pkg.sizers ?? {}),
    ].map((c) => `${pkg.name}/${c}`);
    loaded.push({ name: pkg.name, version: pkg.version, components });
  }
  return { registry, loaded };
}
