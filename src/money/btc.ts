// Bitcoin amounts: bigint satoshis inside, decimal strings with at most 8 places outside.

export const SAT_PER_BTC = 100_000_000n;
/** 21 million BTC: no amount can be larger. */
export const MAX_SAT = 21_000_000n * SAT_PER_BTC;

export class AmountError extends Error {}

const BTC_PATTERN = /^(0|[1-9]\d{0,7})(?:\.(\d{1,8}))?$/;

/**
 * Parses a BTC amount written as a decimal string ("3.125", "0.00000001") into satoshis.
 * More than 8 decimals, a sign, an exponent, spaces or more than 21 million BTC is an error, never a rounding.
 */
export function parseBtcAmount(text: string): bigint {
  if (typeof text !== 'string') throw new AmountError('must be a decimal string such as "0.5"');
  if (/^\d+\.\d{9,}$/.test(text))
    throw new AmountError('has more than 8 decimals (the smallest unit is 0.00000001 BTC)');
  if (text.startsWith('-')) throw new AmountError('must not be negative');
  const match = BTC_PATTERN.exec(text);
  if (!match) throw new AmountError('must be a decimal number of BTC such as "3.125" (no sign, exponent or spaces)');
  const sat = BigInt(match[1]!) * SAT_PER_BTC + BigInt((match[2] ?? '').padEnd(8, '0'));
  if (sat > MAX_SAT) throw new AmountError('is more than 21,000,000 BTC');
  return sat;
}

/** Satoshis as a BTC string with exactly 8 decimals: 312500000n -> "3.12500000". */
export function formatBtc(sat: bigint): string {
  const negative = sat < 0n;
  const abs = negative ? -sat : sat;
  return `${negative ? '-' : ''}${abs / SAT_PER_BTC}.${(abs % SAT_PER_BTC).toString().padStart(8, '0')}`;
}

/** Parses a satoshi amount written as a string of digits ("312500000"). */
export function parseSatAmount(text: string): bigint {
  if (typeof text !== 'string' || !/^(0|[1-9]\d{0,15})$/.test(text))
    throw new AmountError('must be a whole number of satoshis written as a string of digits');
  const sat = BigInt(text);
  if (sat > MAX_SAT) throw new AmountError('is more than 21,000,000 BTC');
  return sat;
}
