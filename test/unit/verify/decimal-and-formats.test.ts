import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalDecimal } from '../../../src/ledger/canonical.js';
import { beancountAccount, beancountNumber } from '../../../src/ledger/export/formats.js';
import { formatScaled, parseScaled } from '../../../src/verify/decimal.js';

describe('exact amounts in the verifier', () => {
  it('parse then format gives the canonical decimal; sums are exact', () => {
    const decimal = fc
      .tuple(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.integer({ min: 0, max: 18 }))
      .map(([units, scale]) => {
        const negative = units < 0n;
        const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
        return `${negative ? '-' : ''}${scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits}`;
      });
    fc.assert(
      fc.property(decimal, decimal, (a, b) => {
        expect(formatScaled(parseScaled(a)!)).toBe(canonicalDecimal(a));
        expect(parseScaled(formatScaled(parseScaled(a)! + parseScaled(b)!))).toBe(parseScaled(a)! + parseScaled(b)!);
      }),
    );
  });

  it('refuses what is not a plain decimal of at most 18 fraction digits', () => {
    for (const text of ['', '-', '1e5', '0x10', '1.', '.5', '+1', '1.0000000000000000001', ' 1', 'NaN'])
      expect(parseScaled(text), text).toBeNull();
    expect(parseScaled('-0.000000000000000001')).toBe(-1n);
  });
});

describe('beancount names and numbers', () => {
  it('maps account components to what beancount accepts', () => {
    expect(beancountAccount('Assets:Bitcoin:vault-a:Available')).toBe('Assets:Bitcoin:Vault-a:Available');
    expect(beancountAccount('Assets:Bitcoin:cold.vault_b:Immature')).toBe('Assets:Bitcoin:Cold-vault-b:Immature');
    expect(beancountAccount('Income:Mining:1st-site')).toBe('Income:Mining:1st-site');
    expect(beancountAccount('Expenses:Energy:_x')).toBe('Expenses:Energy:X-x');
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, unit: fc.constantFrom('a', 'Z', '0', '-', '.', '_') }), {
          minLength: 1,
          maxLength: 4,
        }),
        (parts) => {
          expect(beancountAccount(['Assets', ...parts].join(':'))).toMatch(/^Assets(:[A-Z0-9][A-Za-z0-9-]*)+$/);
        },
      ),
    );
  });

  it('shows satoshis as whole bitcoins with 8 decimals, exactly', () => {
    expect(beancountNumber('BTC', '312500000')).toBe('3.12500000');
    expect(beancountNumber('BTC', '-1')).toBe('-0.00000001');
    expect(beancountNumber('BTC', '0')).toBe('0.00000000');
    expect(beancountNumber('BTC', '2100000000000000')).toBe('21000000.00000000');
    expect(beancountNumber('BYN', '-1520.5')).toBe('-1520.5');
    fc.assert(
      fc.property(fc.bigInt({ min: -(21n * 10n ** 14n), max: 21n * 10n ** 14n }), (sats) => {
        expect(BigInt(beancountNumber('BTC', sats.toString()).replace('.', ''))).toBe(sats);
      }),
    );
  });
});
