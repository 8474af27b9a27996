// Fiat money: exact decimals (decimal.js) with an ISO 4217 currency beside them.
// Never a JS number: every amount enters as a string and leaves as a string.
import { Decimal } from 'decimal.js';

/** A Decimal constructor of our own, so arithmetic precision never depends on global state elsewhere. */
export const Dec = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -100, toExpPos: 100 });
export type Dec = Decimal;

/** ISO 4217 codes known to this Node's ICU (Intl), e.g. USD, EUR, BYN. */
const ISO_4217 = new Set(Intl.supportedValuesOf('currency'));

export function isIso4217(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && ISO_4217.has(code);
}

/** Why a currency code is refused, or null when it is a valid ISO 4217 code. */
export function currencyProblem(code: unknown): string | null {
  if (typeof code !== 'string') return 'must be a string, an ISO 4217 code such as USD';
  if (!/^[A-Z]{3}$/.test(code)) return 'must be three upper-case letters, an ISO 4217 code such as USD';
  if (!ISO_4217.has(code)) return `${code} is not an ISO 4217 currency code`;
  return null;
}

export interface DecimalRules {
  /** Most digits after the point; more is refused, never rounded. */
  maxDecimals: number;
  /** Most digits before the point. */
  maxIntegerDigits?: number;
  /** Refuse zero (strictly positive) when true, the default; negatives are always refused. */
  positive?: boolean;
}

const DECIMAL_TEXT = /^(\d+)(?:\.(\d+))?$/;

/** Why a decimal string is refused under the rules, or null when it is acceptable. */
export function decimalProblem(text: unknown, rules: DecimalRules): string | null {
  if (typeof text !== 'string') return 'must be a decimal string such as "0.0825" (a JSON number would lose exactness)';
  const match = DECIMAL_TEXT.exec(text);
  if (!match) {
    if (/^-/.test(text.trim())) return 'must not be negative';
    return 'must be a plain decimal string of digits with an optional point, such as "0.0825"';
  }
  const [, whole, fraction = ''] = match;
  if (fraction.length > rules.maxDecimals)
    return `has ${fraction.length} decimals; at most ${rules.maxDecimals} are accepted (never rounded)`;
  const maxInt = rules.maxIntegerDigits ?? 18;
  if (whole!.replace(/^0+(?=\d)/, '').length > maxInt) return `has more than ${maxInt} digits before the point`;
  if ((rules.positive ?? true) && new Dec(text).isZero()) return 'must be greater than zero';
  return null;
}

/** Parses an exact decimal string, throwing a RangeError with the reason when refused. */
export function parseDecimal(text: string, rules: DecimalRules): Dec {
  const reason = decimalProblem(text, rules);
  if (reason) throw new RangeError(reason);
  return new Dec(text);
}

/** Plain (non-exponent) text of a decimal, at a fixed number of places (half-even) when given. */
export function formatDecimal(value: Dec, places?: number): string {
  return places === undefined ? value.toFixed() : value.toDecimalPlaces(places, Dec.ROUND_HALF_EVEN).toFixed(places);
}

/** Minor-unit places commonly shown for a currency (USD 2, JPY 0, BHD 3), from ICU. */
const PLACES = new Map<string, number>();
export function currencyPlaces(code: string): number {
  let places = PLACES.get(code);
  if (places === undefined) {
    places =
      new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
    PLACES.set(code, places);
  }
  return places;
}
