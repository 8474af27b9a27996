import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  currencyProblem,
  decimalProblem,
  Dec,
  formatDecimal,
  isIso4217,
  parseDecimal,
} from '../../../src/money/fiat.js';

describe('fiat decimals and currencies', () => {
  it('accepts exact positive decimals within the places allowed', () => {
    expect(parseDecimal('0.1234', { maxDecimals: 8 }).toFixed()).toBe('0.1234');
    expect(decimalProblem('12', { maxDecimals: 0 })).toBeNull();
  });

  it('refuses too many decimals instead of rounding', () => {
    expect(decimalProblem('0.123456789', { maxDecimals: 8 })).toMatch(/9 decimals; at most 8/);
  });

  it('refuses negatives, zero, numbers, exponents, blanks and junk', () => {
    expect(decimalProblem('-1', { maxDecimals: 8 })).toMatch(/negative/);
    expect(decimalProblem('0', { maxDecimals: 8 })).toMatch(/greater than zero/);
    expect(decimalProblem('0', { maxDecimals: 8, positive: false })).toBeNull();
    expect(decimalProblem(0.1, { maxDecimals: 8 })).toMatch(/string/);
    expect(decimalProblem('1e5', { maxDecimals: 8 })).toMatch(/plain decimal/);
    expect(decimalProblem('', { maxDecimals: 8 })).toMatch(/plain decimal/);
    expect(decimalProblem('1.', { maxDecimals: 8 })).toMatch(/plain decimal/);
    expect(decimalProblem(' 1', { maxDecimals: 8 })).toMatch(/plain decimal/);
    expect(decimalProblem('1'.repeat(19), { maxDecimals: 8 })).toMatch(/18 digits/);
  });

  it('ISO 4217: BYN, USD and EUR yes; lower case, BTC, XYZ no', () => {
    expect(isIso4217('BYN')).toBe(true);
    expect(currencyProblem('USD')).toBeNull();
    expect(currencyProblem('usd')).toMatch(/upper-case/);
    expect(currencyProblem('BTC')).toMatch(/not an ISO 4217/);
    expect(currencyProblem('XYZ')).toMatch(/not an ISO 4217/);
    expect(currencyProblem(840)).toMatch(/string/);
  });

  it('conversion is exact: 1,234.56 BYN at 0.30571 USD/BYN = 377.41733... USD, 2 places half-even 377.42', () => {
    const usd = new Dec('1234.56').mul(new Dec('0.30571'));
    expect(usd.toFixed()).toBe('377.4173376');
    expect(formatDecimal(usd, 2)).toBe('377.42');
    expect(formatDecimal(new Dec('0.125'), 2)).toBe('0.12'); // half-even, not half-up
  });

  it('property: parse then format round-trips any accepted decimal text', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 17n }), fc.integer({ min: 0, max: 8 }), (units, places) => {
        const text =
          places === 0
            ? units.toString()
            : `${units / 10n ** BigInt(places)}.${(units % 10n ** BigInt(places)).toString().padStart(places, '0')}`;
        const parsed = parseDecimal(text, { maxDecimals: 8 });
        expect(parsed.toFixed(places)).toBe(text);
      }),
    );
  });
});
