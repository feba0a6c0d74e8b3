import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { describeIssues, portfolioResource, PortfolioSpec, ValidationError } from '@ginkgo/contracts';
import type { ComponentRegistry } from '@ginkgo/core';

export interface PortfolioDoc {
  name: string;
  spec: PortfolioSpec;
  file: string;
}

const DNS_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Reads Portfolio resources (the YAML `kubectl apply -f` takes; several documents per file allowed) and
 * makes the checks the API server (kind, name), the operator (the spec schema) and the node (components
 * exist, params valid) would make. Every problem is reported, each with its file, document and field.
 */
export function readPortfolios(files: readonly string[], registry: ComponentRegistry): PortfolioDoc[] {
  const problems: string[] = [];
  const out: PortfolioDoc[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      problems.push(`${file}: cannot read: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    parseAllDocuments(text).forEach((doc, i) => {
      const where = `${file}[${i}]`;
      if (doc.errors.length) {
        for (const e of doc.errors) problems.push(`${where}: YAML: ${e.message.split('\n')[0]}`);
        return;
      }
      const obj = doc.toJS() as {
        apiVersion?: unknown;
        kind?: unknown;
        metadata?: { name?: unknown };
        spec?: unknown;
      } | null;
      if (obj === null || obj === undefined) return;
      if (obj.apiVersion !== portfolioResource.apiVersion)
        problems.push(
          `${where} apiVersion: must be ${portfolioResource.apiVersion}, got ${JSON.stringify(obj.apiVersion)}`,
        );
      if (obj.kind !== portfolioResource.kind)
        problems.push(`${where} kind: must be ${portfolioResource.kind}, got ${JSON.stringify(obj.kind)}`);
      const name = obj.metadata?.name;
      if (typeof name !== 'string' || name.length > 253 || !DNS_NAME.test(name))
        problems.push(`${where} metadata.name: must be a DNS subdomain name, got ${JSON.stringify(name)}`);
      const parsed = PortfolioSpec.safeParse(obj.spec);
      if (!parsed.success) {
        for (const line of describeIssues(parsed.error)) problems.push(`${where} spec.${line}`);
        return;
      }
      try {
        registry.build(parsed.data);
      } catch (err) {
        if (err instanceof ValidationError) for (const p of err.problems) problems.push(`${where} spec.${p}`);
        else problems.push(`${where} spec: ${String(err)}`);
        return;
      }
      if (typeof name === 'string') out.push({ name, spec: parsed.data, file });
    });
  }
  const seen = new Set<string>();
  for (const d of out) {
    if (seen.has(d.name)) problems.push(`${d.file}: portfolio name "${d.name}" appears twice`);
    seen.add(d.name);
  }
  if (problems.length) throw new ValidationError('portfolio file(s)', problems);
  if (!out.length) throw new ValidationError('portfolio file(s)', ['no Portfolio document found']);
  return out;
}
