import type { z } from 'zod';

/** Formats zod issues as `field.path: problem` lines, so every error names its field. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
}

export class ValidationError extends Error {
  constructor(
    readonly what: string,
    readonly problems: string[],
  ) {
    super(`${what} is invalid:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ValidationError';
  }
}

/** Parses or throws a ValidationError listing every problem. */
export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw new ValidationError(what, describeIssues(r.error));
  return r.data;
}
