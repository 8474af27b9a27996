// When a payout's income counts, and which periods a payout may name: pure rules, no database.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/http/problem.js';
import { MAX_PERIOD_DAYS, parseFleetEvent } from '../../../src/payouts/events.js';
import { incomeTimeOf } from '../../../src/coins/index.js';

const reported = new Date('2026-04-02T01:00:00Z');
const blockAt = new Date('2026-03-01T18:00:00Z');
const period = { start: new Date('2026-03-01T00:00:00Z') };

describe('incomeTimeOf', () => {
  it('period start first, then a connected block, then the report time', () => {
    expect(incomeTimeOf(period, { connected: true, stateAt: blockAt }, reported)).toEqual(period.start);
    expect(incomeTimeOf(null, { connected: true, stateAt: blockAt }, reported)).toEqual(blockAt);
    // A block known but not connected (or disconnected) says nothing about when the coin was mined.
    expect(incomeTimeOf(null, { connected: false, stateAt: blockAt }, reported)).toEqual(reported);
    expect(incomeTimeOf(null, undefined, reported)).toEqual(reported);
  });
});

const timestamp = '2026-04-02T00:00:00Z';
const payout = (extra: Record<string, unknown>) =>
  JSON.stringify({
    type: 'payout.received',
    timestamp,
    data: {
      site_id: 's',
      txid: 'ab'.repeat(32),
      vout: 0,
      address: 'bcrt1qx',
      amount_sat: '1',
      coinbase: false,
      ...extra,
    },
  });

function refusal(body: string): { field: string; reason: string } | null {
  try {
    parseFleetEvent(body);
    return null;
  } catch (error) {
    if (error instanceof AppError) return error.options.errors![0]!;
    throw error;
  }
}

describe('payout period', () => {
  it('accepts exactly 31 days ending at the event, refuses one second more or one second later', () => {
    const end = Date.parse(timestamp);
    const start = end - MAX_PERIOD_DAYS * 86_400_000;
    const iso = (ms: number) => new Date(ms).toISOString();
    const e = parseFleetEvent(payout({ period_start: iso(start), period_end: iso(end) }));
    expect(e.type === 'payout.received' && e.data.period).toEqual({ start: new Date(start), end: new Date(end) });
    expect(refusal(payout({ period_start: iso(start - 1000), period_end: iso(end) }))).toEqual({
      field: 'data.period_end',
      reason: 'a period is at most 31 days',
    });
    expect(refusal(payout({ period_start: iso(start), period_end: iso(end + 1000) }))?.field).toBe('data.period_end');
    expect(refusal(payout({ period_start: iso(end), period_end: iso(end) }))).toEqual({
      field: 'data.period_end',
      reason: 'must be after period_start',
    });
  });

  it('any accepted period lies inside (event - 31 days, event] and is attributed to its start (property)', () => {
    const end = Date.parse(timestamp);
    fc.assert(
      fc.property(
        fc.integer({ min: end - 40 * 86_400_000, max: end + 86_400_000 }),
        fc.integer({ min: -86_400, max: 40 * 86_400 }),
        (startMs, lengthS) => {
          const startIso = new Date(startMs).toISOString();
          const endMs = startMs + lengthS * 1000;
          const body = payout({ period_start: startIso, period_end: new Date(endMs).toISOString() });
          const valid = endMs > startMs && endMs - startMs <= MAX_PERIOD_DAYS * 86_400_000 && endMs <= end;
          expect(refusal(body) === null).toBe(valid);
          if (valid) {
            const e = parseFleetEvent(body);
            if (e.type !== 'payout.received') throw new Error('type');
            expect(incomeTimeOf(e.data.period, undefined, new Date(timestamp)).getTime()).toBe(startMs);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
