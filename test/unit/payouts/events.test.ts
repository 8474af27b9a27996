import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/http/problem.js';
import { parseFleetEvent } from '../../../src/payouts/events.js';

const base = {
  site_id: 'dam-1',
  txid: 'ab'.repeat(32),
  vout: 0,
  address: 'bcrt1qexample',
  coinbase: true,
};
const wrap = (data: unknown, type = 'payout.received') =>
  JSON.stringify({ type, timestamp: '2026-01-01T00:00:00Z', data });

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error.options.errors?.[0]?.field;
    throw error;
  }
  return undefined;
}

describe('parseFleetEvent', () => {
  it('parses amount_btc exactly into satoshis and lowercases hashes', () => {
    const e = parseFleetEvent(wrap({ ...base, txid: 'AB'.repeat(32), amount_btc: '3.12500000' }));
    expect(e.type).toBe('payout.received');
    if (e.type !== 'payout.received') return;
    expect(e.data.amountSat).toBe(312_500_000n);
    expect(e.data.txid).toBe('ab'.repeat(32));
    expect(e.data.block).toBeNull();
  });

  it('round-trips every satoshi amount up to 21M BTC through amount_btc (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 2_100_000_000_000_000n }), (sat) => {
        const btc = `${sat / 100_000_000n}.${(sat % 100_000_000n).toString().padStart(8, '0')}`;
        const e = parseFleetEvent(wrap({ ...base, amount_btc: btc }));
        expect(e.type === 'payout.received' && e.data.amountSat).toBe(sat);
      }),
    );
  });

  it('names the failing field', () => {
    expect(fieldOf(() => parseFleetEvent(wrap({ ...base, amount_btc: '0.000000001' })))).toBe('data.amount_btc');
    expect(fieldOf(() => parseFleetEvent(wrap({ ...base, amount_sat: '1e5' })))).toBe('data.amount_sat');
    expect(fieldOf(() => parseFleetEvent(wrap({ ...base, amount_sat: '1', vout: 2 ** 32 })))).toBe('data.vout');
    const block = { height: 1, hash: 'ab'.repeat(32), header_hex: '00'.repeat(80) };
    expect(fieldOf(() => parseFleetEvent(wrap({ ...block, extra: 1 }, 'block.connected')))).toBe('data.extra');
    // header_hex is required on every network (issue 12); its content is the header tree's to check.
    expect(fieldOf(() => parseFleetEvent(wrap({ ...block, header_hex: undefined }, 'block.connected')))).toBe(
      'data.header_hex',
    );
    expect(fieldOf(() => parseFleetEvent(wrap({}, 'production.exploded')))).toBe('type');
    expect(fieldOf(() => parseFleetEvent(wrap([], 'production.reported')))).toBe('data');
  });

  it('passes production.reported data on to the production module unchanged', () => {
    const data = {
      site: 'dam-1',
      period_start: '2026-03-01T00:00:00Z',
      period_end: '2026-03-01T01:00:00Z',
      hashrate_ths: '1',
      energy_kwh: '2',
      uptime: '1',
    };
    expect(parseFleetEvent(wrap(data, 'production.reported'))).toEqual({
      type: 'production.reported',
      occurredAt: new Date('2026-01-01T00:00:00Z'),
      data,
    });
  });
});
