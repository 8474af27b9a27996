// Numbers and dates for people: BTC with 8 decimals and thin grouping, fiat with its currency,
// dates in UTC with the zone shown. Pure: no database, no Hono.
import { formatBtc as btcText } from '../money/btc.js';

/** U+202F NARROW NO-BREAK SPACE: a thin space that never breaks a number across lines. */
export const THIN = '\u202f';

const group3 = (digits: string) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, THIN);

/**
 * "1234.56780000" or 123456780000n sats -> "1 234.56 780 000" (thin spaces): the integer part in
 * thousands, the fraction as 2 + 3 + 3 digits so that the last six read as thousands of satoshis.
 */
export function formatBtc(value: string | bigint | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const text = typeof value === 'bigint' ? btcText(value) : value;
  const match = /^(-?)(\d+)(?:\.(\d{1,8}))?$/.exec(text);
  if (!match) return text;
  const [, sign, whole, frac = ''] = match;
  const f = frac.padEnd(8, '0');
  return `${sign === '-' ? '−' : ''}${group3(whole!)}.${f.slice(0, 2)}${THIN}${f.slice(2, 5)}${THIN}${f.slice(5)}`;
}

/** The exact BTC text of a page figure with the grouping removed, as the API writes it ("3.12500000"). */
export function plainBtc(shown: string): string {
  return shown.replaceAll(THIN, '').replace('−', '-');
}

const fiatFormats = new Map<string, Intl.NumberFormat>();

/** "1234567.891" USD -> "$1,234,567.89"; the amount is a decimal string, formatted without a float. */
export function formatFiat(amount: string | null | undefined, currency: string): string {
  if (amount === null || amount === undefined) return '—';
  let format = fiatFormats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat('en-US', { style: 'currency', currency, currencyDisplay: 'code' });
    fiatFormats.set(currency, format);
  }
  // Intl formats a decimal string exactly (ECMA-402 "intl.numberformat v3"), no float round trip.
  return format.format(amount as unknown as number).replace(/\u00a0/g, ' ');
}

/** A plain decimal (hashrate, kWh) with thousands grouping, kept as written otherwise. */
export function formatDecimal(value: string | null | undefined, places?: number): string {
  if (value === null || value === undefined) return '—';
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value);
  if (!match) return value;
  const [, sign, whole, frac] = match;
  let fraction = frac ?? '';
  if (places !== undefined) fraction = fraction.slice(0, places).padEnd(places, '0');
  return `${sign === '-' ? '−' : ''}${group3(whole!)}${fraction ? `.${fraction}` : ''}`;
}

/** "2026-12-01T11:06:12.000Z" -> "2026-12-01 11:06 UTC". */
export function formatTime(value: string | Date | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const iso = typeof value === 'string' ? new Date(value).toISOString() : value.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** "2026-12-01T00:00:00.000Z" -> "2026-12-01" (a UTC day). */
export function formatDay(value: string | Date | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return (typeof value === 'string' ? new Date(value) : value).toISOString().slice(0, 10);
}

/** A short hash for tables: the first and last 8 hex digits. */
export function shortHash(hash: string | null | undefined): string {
  if (!hash) return '—';
  return hash.length <= 20 ? hash : `${hash.slice(0, 8)}…${hash.slice(-8)}`;
}
