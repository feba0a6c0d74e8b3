import { loadMarketRules, referenceDataPaths } from '@ginkgo/platform/thread';
import { nodeRegistry } from '../fault-injection.js';
import { loadStrategyPackages } from '../strategy-packages.js';
import type { ShardSetupRef } from './shard-protocol.js';
import { builtUrl, type ShardSetup } from './shard-setup.js';

/** The node process's own setup, as plain data a shard can receive. */
export interface NodeShardSetupArg {
  strategyPackages: string[];
  referenceDataFiles?: string | undefined;
}

/** The registry (built-ins, fault strategy when enabled, strategy packages) and rules the node's thread uses. */
export async function nodeShardSetup(arg: NodeShardSetupArg): Promise<ShardSetup> {
  const { registry } = await loadStrategyPackages(arg.strategyPackages, nodeRegistry());
  const marketRules = await loadMarketRules(referenceDataPaths(arg.referenceDataFiles));
  return { registry, marketRules };
}

export const nodeShardSetupRef = (arg: NodeShardSetupArg): ShardSetupRef => ({
  module: builtUrl(import.meta.url),
  export: 'nodeShardSetup',
  arg,
});
