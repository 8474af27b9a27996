// Small helpers shared by the pages: month arithmetic in UTC and satoshi sums over wire strings.

export const monthStart = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
export const nextMonth = (d: Date) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));

export const sumSat = (values: (string | bigint)[]) => values.reduce<bigint>((s, v) => s + BigInt(v), 0n);

/** Satoshis as the API's BTC string ("-0.00000001", "3.12500000"). */
export function satText(sat: bigint): string {
  const negative = sat < 0n;
  const abs = negative ? -sat : sat;
  return `${negative ? '-' : ''}${abs / 100_000_000n}.${(abs % 100_000_000n).toString().padStart(8, '0')}`;
}

/** A query parameter that must be one of a few values, else absent. */
export function oneOf<T extends string>(value: string | undefined, allowed: readonly T[]): T | undefined {
  return value !== undefined && (allowed as readonly string[]).includes(value) ? (value as T) : undefined;
}

/** "YYYY-MM-DD" or undefined. */
export function dayParam(value: string | undefined): string | undefined {
  return value && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`))
    ? value
    : undefined;
}
