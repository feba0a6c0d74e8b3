import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ConfigError } from '@ginkgo/platform';
import { buildPortfolioCrd, loadOperatorConfig, undescribedFields, type JsonSchema } from '../src/index.js';

describe('Portfolio CRD (generated from zod)', () => {
  const crd = buildPortfolioCrd();
  const version = crd.spec.versions[0]!;
  const root = version.schema!.openAPIV3Schema as unknown as JsonSchema & { properties: Record<string, JsonSchema> };

  test('S4.05 names, status subresource, printer columns, short name', () => {
    expect(crd.metadata?.name).toBe('portfolios.ginkgo.live');
    expect(crd.spec.names.shortNames).toEqual(['pf']);
    expect(version.subresources?.status).toEqual({});
    expect(version.additionalPrinterColumns?.map((c) => c.name)).toEqual(
      expect.arrayContaining(['Phase', 'Node', 'Equity', 'Day PnL', 'Age']),
    );
  });

  test('the schema is structural: no $schema, no additionalProperties:false, one type per field', () => {
    const text = JSON.stringify(root);
    expect(text).not.toContain('$schema');
    expect(text).not.toContain('"additionalProperties":false');
    expect(text).not.toContain('propertyNames');
    const walk = (s: JsonSchema, path: string) => {
      if (!s['x-kubernetes-preserve-unknown-fields'] || s.properties)
        expect([path, typeof s.type]).toEqual([path, 'string']);
      for (const [k, v] of Object.entries((s.properties as Record<string, JsonSchema>) ?? {})) walk(v, `${path}.${k}`);
      if (s.items) walk(s.items as JsonSchema, `${path}[]`);
    };
    walk(root.properties.spec!, 'spec');
    walk(root.properties.status!, 'status');
  });

  test('keeps patterns, bounds, enums and defaults from zod; params preserve unknown fields', () => {
    const spec = root.properties.spec as JsonSchema & {
      properties: Record<string, JsonSchema & { properties: Record<string, JsonSchema> }>;
    };
    expect(spec.required).toEqual(['initialCash', 'strategy', 'interestedCodes']);
    expect(spec.properties.market!.pattern).toBe('^[a-z][a-z0-9-]{0,15}$');
    expect(spec.properties.market!.default).toBe('cn');
    expect(spec.properties.interestedCodes).toMatchObject({
      minItems: 1,
      maxItems: 2000,
      'x-kubernetes-list-type': 'set',
    });
    expect(spec.properties.desiredState!.enum).toEqual(['Running', 'Stopped']);
    expect(spec.properties.strategy!.properties.params).toMatchObject({
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
  });

  test('kubectl explain: every field has a description', () => {
    expect(undescribedFields(root.properties.spec!)).toEqual([]);
    expect(undescribedFields(root.properties.status!)).toEqual([]);
  });

  test('crds/portfolios.ginkgo.live.yaml is up to date (make crds)', () => {
    const file = parse(readFileSync(new URL('../../crds/portfolios.ginkgo.live.yaml', import.meta.url), 'utf8'));
    expect(file).toEqual(JSON.parse(JSON.stringify(crd)));
  });
});

describe('operator configuration', () => {
  test('defaults', () => {
    const c = loadOperatorConfig({});
    expect(c).toMatchObject({ namespace: 'default', healthPort: 8081, leaderLeaseSeconds: 15, installCrds: false });
    expect(c.operatorId.length).toBeGreaterThan(0);
    expect(loadOperatorConfig({ INSTALL_CRDS: 'true', HEALTH_PORT: '0' })).toMatchObject({
      installCrds: true,
      healthPort: 0,
    });
  });

  test('every problem is listed, each naming its variable', () => {
    let err: unknown;
    try {
      loadOperatorConfig({
        WATCH_NAMESPACE: 'Bad_NS',
        HEALTH_PORT: '70000',
        LEADER_LEASE_SECONDS: '0',
        INSTALL_CRDS: 'maybe',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    for (const v of ['WATCH_NAMESPACE', 'HEALTH_PORT', 'LEADER_LEASE_SECONDS', 'INSTALL_CRDS'])
      expect(problems).toContain(v);
  });
});
