import { z } from 'zod';

/**
 * Money and prices travel as integers in minor units (fen for CNY) so that no
 * float is ever accumulated. Humans write decimals in specs; those are parsed once.
 */
export const MinorUnits = z.number().int().refine(Number.isSafeInteger, 'must be a safe integer');
export const PriceMinor = z.number().int().positive().refine(Number.isSafeInteger, 'must be a safe integer');

/** A non-negative decimal amount with at most two decimals, e.g. "1000000" or "12.50". */
export const DecimalAmount = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,14})(\.[0-9]{1,2})?$/, 'must be a decimal with at most 2 decimals, e.g. "100000.00"');

/** Parses a DecimalAmount into minor units (scale 100) without floating point. */
export function decimalToMinor(amount: string): number {
  const [whole, frac = ''] = DecimalAmount.parse(amount).split('.');
  return Number(whole) * 100 + Number((frac + '00').slice(0, 2));
}

/** Formats minor units as a decimal string with two places. */
export function minorToDecimal(minor: number): string {
  const sign = minor < 0 ? '-' : '';
  const abs = Math.abs(minor);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** A fraction written as a decimal string, e.g. "0.00025" (0.025%): parsed exactly, never as a float. */
export const DecimalRate = z
  .string()
  .regex(/^0(\.[0-9]{1,10})?$/, 'must be a decimal fraction below 1 with at most 10 decimals, e.g. "0.00025"');

/**
 * The broker's commission: a rate of the order's cumulative filled amount with a minimum per order, rounded
 * half-up to the minor unit. Exchange and government fees (stamp duty, transfer fee, levies) are not the
 * broker's and come, dated, from the market data. A Portfolio spec names it; every order the engine sends
 * carries it, so the venue charges what the engine books.
 */
export const CommissionSchedule = z.object({
  rate: DecimalRate.describe('commission as a fraction of the traded amount, e.g. "0.00025" for 0.025%'),
  minimum: DecimalAmount.describe('minimum commission per order in the market currency, e.g. "5.00"'),
});
export type CommissionSchedule = z.infer<typeof CommissionSchedule>;
