import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AmountError, formatBtc, MAX_SAT, parseBtcAmount, parseSatAmount } from '../../../src/money/btc.js';

describe('parseBtcAmount', () => {
  it.each([
    ['0', 0n],
    ['1', 100_000_000n],
    ['3.125', 312_500_000n],
    ['0.00000001', 1n],
    ['20999999.99999999', 2_099_999_999_999_999n],
    ['21000000', MAX_SAT],
  ])('%s -> %s sat', (text, sat) => expect(parseBtcAmount(text)).toBe(sat));

  it.each([
    ['0.000000001', /more than 8 decimals/],
    ['1.123456789', /more than 8 decimals/],
    ['-1', /negative/],
    ['1e3', /decimal number/],
    [' 1', /decimal number/],
    ['01', /decimal number/],
    ['1.', /decimal number/],
    ['.5', /decimal number/],
    ['', /decimal number/],
    ['21000000.00000001', /21,000,000/],
    ['NaN', /decimal number/],
  ])('refuses %j', (text, reason) => {
    expect(() => parseBtcAmount(text)).toThrow(AmountError);
    expect(() => parseBtcAmount(text)).toThrow(reason);
  });

  it('refuses a number (only strings carry money)', () => {
    expect(() => parseBtcAmount(0.1 as unknown as string)).toThrow(AmountError);
  });

  it('round-trips every satoshi amount through formatBtc exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_SAT }), (sat) => {
        const text = formatBtc(sat);
        expect(text).toMatch(/^\d+\.\d{8}$/);
        expect(parseBtcAmount(text)).toBe(sat);
      }),
    );
  });
});

describe('formatBtc and parseSatAmount', () => {
  it('formats satoshis as BTC with exactly 8 decimals (the ledger views use it)', () => {
    expect(formatBtc(312_500_000n)).toBe('3.12500000');
    expect(formatBtc(-1n)).toBe('-0.00000001');
    expect(formatBtc(2_100_000_000_000_000n)).toBe('21000000.00000000');
  });

  it('formats with exactly 8 decimals', () => {
    expect(formatBtc(312_500_000n)).toBe('3.12500000');
    expect(formatBtc(1n)).toBe('0.00000001');
    expect(formatBtc(-150_000_000n)).toBe('-1.50000000');
  });

  it('parses satoshi strings and refuses anything else', () => {
    expect(parseSatAmount('312500000')).toBe(312_500_000n);
    for (const bad of ['-1', '1.0', '01', '', '2100000000000001', '1e8'])
      expect(() => parseSatAmount(bad)).toThrow(AmountError);
  });
});
