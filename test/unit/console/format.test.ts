import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatBtc, formatFiat, formatTime, plainBtc, THIN } from '../../../src/console/format.js';
import { formatBtc as apiBtc } from '../../../src/money/btc.js';

describe('numbers for people', () => {
  it('groups BTC in thousands and the fraction as 2 + 3 + 3 with thin spaces', () => {
    expect(formatBtc('3.12500000')).toBe(`3.12${THIN}500${THIN}000`);
    expect(formatBtc('1234567.00000001')).toBe(`1${THIN}234${THIN}567.00${THIN}000${THIN}001`);
    expect(formatBtc(-1n)).toBe(`−0.00${THIN}000${THIN}001`);
    expect(formatBtc(null)).toBe('—');
  });

  it('always shows 8 decimals and reads back to the API string, for any amount', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2_100_000_000_000_000n }), (sat) => {
        const shown = formatBtc(sat);
        expect(shown.split('.')[1]!.replaceAll(THIN, '')).toHaveLength(8);
        expect(plainBtc(shown)).toBe(apiBtc(sat));
        expect(formatBtc(apiBtc(sat))).toBe(shown);
      }),
    );
  });

  it('formats fiat exactly, with its currency, without a float', () => {
    expect(formatFiat('2339063.005', 'USD')).toBe('USD 2,339,063.01');
    expect(formatFiat('12345678901234567.89', 'USD')).toBe('USD 12,345,678,901,234,567.89');
    expect(formatFiat('1000', 'BYN')).toBe('BYN 1,000.00');
    expect(formatFiat(null, 'USD')).toBe('—');
  });

  it('shows times in UTC with the zone', () => {
    expect(formatTime('2026-12-01T11:06:12.000Z')).toBe('2026-12-01 11:06 UTC');
    expect(formatTime(new Date('2026-06-30T23:59:59+02:00'))).toBe('2026-06-30 21:59 UTC');
  });
});
