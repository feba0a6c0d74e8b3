/**
 * Integer money arithmetic. Amounts are integer minor units (fen); rates are integer parts per million
 * (ppm), so every product is an integer and only the final division rounds. When a product would leave
 * the safe-integer range we fall back to BigInt instead of losing precision silently.
 */

export const PPM = 1_000_000;

export type Rounding = 'floor' | 'ceil' | 'half-up';

/** a * b / c for non-negative a, b and positive c, rounded as asked (half-up = ties away from zero). */
export function mulDiv(a: number, b: number, c: number, rounding: Rounding = 'floor'): number {
  if (c === 0) throw new RangeError('mulDiv: division by zero');
  const p = a * b;
  if (Number.isSafeInteger(p)) return divRound(p, c, rounding);
  const big = BigInt(a) * BigInt(b);
  const C = BigInt(c);
  const neg = big < 0n;
  const abs = neg ? -big : big;
  let q = abs / C;
  const r = abs % C;
  if (rounding === 'half-up' && r * 2n >= C) q += 1n;
  else if (rounding === 'ceil' && !neg && r > 0n) q += 1n;
  else if (rounding === 'floor' && neg && r > 0n) q += 1n;
  return Number(neg ? -q : q);
}

/** Integer division of a safe integer with the given rounding; half-up rounds ties away from zero. */
export function divRound(n: number, d: number, rounding: Rounding = 'floor'): number {
  if (!Number.isFinite(n) || !Number.isFinite(d) || d === 0)
    throw new RangeError(`divRound(${n}, ${d}): operands must be finite and the divisor non-zero`);
  if (d < 0) return divRound(-n, -d, rounding);
  // The float quotient may be off by one near 2^53; correct it with the exact integer remainder.
  let q = Math.trunc(n / d);
  let r = n - q * d;
  while (r < 0) {
    q -= 1;
    r += d;
  }
  while (r >= d) {
    q += 1;
    r -= d;
  }
  // Now n = q*d + r with 0 <= r < d, i.e. q is the floor.
  if (rounding === 'floor' || r === 0) return q;
  if (rounding === 'ceil') return q + 1;
  // half-up: ties away from zero
  if (n >= 0) return r * 2 >= d ? q + 1 : q;
  return r * 2 > d ? q + 1 : q;
}

/** Fee on an amount at a ppm rate, rounded to the fen half-up (the rule used for every fee). */
export function feeAt(amountMinor: number, ratePpm: number): number {
  if (amountMinor <= 0 || ratePpm <= 0) return 0;
  return mulDiv(amountMinor, ratePpm, PPM, 'half-up');
}

/** Parses a ratio given as a number (0.1) or decimal string ("0.1") into integer ppm without float drift. */
export function ratioToPpm(ratio: number): number {
  return Math.round(ratio * PPM);
}

/**
 * Compares a/b with c/d for non-negative numerators and positive denominators exactly,
 * returning -1, 0 or 1 (used for PnL-ratio thresholds without floating division).
 */
export function compareFractions(a: number, b: number, c: number, d: number): -1 | 0 | 1 {
  const l = a * d;
  const r = c * b;
  if (Number.isSafeInteger(l) && Number.isSafeInteger(r)) return l < r ? -1 : l > r ? 1 : 0;
  const L = BigInt(a) * BigInt(d);
  const R = BigInt(c) * BigInt(b);
  return L < R ? -1 : L > R ? 1 : 0;
}
