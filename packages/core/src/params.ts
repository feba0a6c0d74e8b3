import { z } from 'zod';

/** Parameter schemas with messages that read well after the field path, e.g. "strategy.params.short: must be a positive integer". */
export const positiveInt = () =>
  z
    .number({ error: 'must be a positive integer' })
    .int({ error: 'must be a positive integer' })
    .positive({ error: 'must be a positive integer' });

/** A ratio in (0, max]. */
export const ratio = (max = 1) =>
  z
    .number({ error: `must be a number in (0, ${max}]` })
    .gt(0, { error: `must be a number in (0, ${max}]` })
    .lte(max, { error: `must be a number in (0, ${max}]` });

/** A positive money amount in currency units, as a number (12.5) or decimal string ("12.50"). */
export const moneyAmount = () =>
  z
    .union([z.number(), z.string()], { error: 'must be a positive amount like 10000 or "10000.00"' })
    .transform((v, ctx) => {
      const s = typeof v === 'number' ? String(v) : v;
      if (!/^[0-9]{1,15}(\.[0-9]{1,2})?$/.test(s) || Number(s) <= 0) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be a positive amount with at most 2 decimals, like 10000 or "10000.00"',
        });
        return z.NEVER;
      }
      const [whole, frac = ''] = s.split('.');
      return Number(whole) * 100 + Number((frac + '00').slice(0, 2));
    });

/** Params object that refuses unknown keys, so typos are reported instead of silently ignored. */
export const paramsObject = <S extends z.ZodRawShape>(shape: S) =>
  z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? `unknown parameter(s): ${iss.keys.join(', ')}` : undefined),
  });
