import { Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per process (tests may create several processes' worth in one jest worker). */
export function createMetricsRegistry(component: string, withDefaults = true): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ component });
  if (withDefaults) collectDefaultMetrics({ register: registry });
  return registry;
}
