import type { ComponentRegistry, MarketRules } from '@ginkgo/core';
import type { ShardSetupRef } from './shard-protocol.js';

/** What a shard needs to build engines: the same registry and market rules as the node's thread. */
export interface ShardSetup {
  registry: ComponentRegistry;
  marketRules?: Readonly<Record<string, MarketRules>>;
}

/**
 * Builds a shard's registry and rules by importing the module the node named: components are code and cannot
 * be sent to a thread, so each thread loads them itself, from the same packages and files.
 */
export async function loadShardSetup(ref: ShardSetupRef): Promise<ShardSetup> {
  const mod = (await import(ref.module)) as Record<string, unknown>;
  const setup = mod[ref.export];
  if (typeof setup !== 'function') throw new Error(`shard setup: ${ref.module} exports no function "${ref.export}"`);
  return (await (setup as (arg: unknown) => Promise<ShardSetup> | ShardSetup)(ref.arg)) as ShardSetup;
}

/**
 * The built module (dist) for a module URL: a thread runs JavaScript, while the tests run this package's
 * TypeScript sources (`src/x.ts` -> `dist/x.js`; built ones are returned as they are).
 */
export function builtUrl(url: string): string {
  return url.endsWith('.ts') ? url.replace(/\/src\/(?!.*\/src\/)/, '/dist/').replace(/\.ts$/, '.js') : url;
}
