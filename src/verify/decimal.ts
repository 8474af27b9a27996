// Exact amounts for the verifier: every amount becomes a bigint scaled by 10^18, the most
// fraction digits the ledger allows, so sums are exact and never pass through a float.

export const SCALE_DIGITS = 18;
const SCALE = 10n ** BigInt(SCALE_DIGITS);
const AMOUNT = /^(-?)(\d+)(?:\.(\d{1,18}))?$/;

/** The scaled value of a decimal string, or null when it is not a plain decimal of at most 18 fraction digits. */
const INTEGER = /^-?\d{1,20}$/;

export function parseScaled(text: string): bigint | null {
  if (INTEGER.test(text)) return BigInt(text) * SCALE; // satoshis: the common case, fast
  const match = AMOUNT.exec(text);
  if (!match) return null;
  const fraction = (match[3] ?? '').padEnd(SCALE_DIGITS, '0');
  const magnitude = BigInt(match[2]!) * SCALE + BigInt(fraction);
  return match[1] ? -magnitude : magnitude;
}

/** Back to canonical decimal text (no trailing fraction zeros, zero is "0"). */
export function formatScaled(value: bigint): string {
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  const whole = magnitude / SCALE;
  const fraction = (magnitude % SCALE).toString().padStart(SCALE_DIGITS, '0').replace(/0+$/, '');
  const text = fraction ? `${whole}.${fraction}` : whole.toString();
  return negative && text !== '0' ? `-${text}` : text;
}
