import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECK_VIOLATION, sqlError, UNIQUE_VIOLATION } from '../../../db/errors.js';
import { webhookEvents } from '../../../db/schema/payouts.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';

// drizzle 0.45 wraps the driver's error in DrizzleQueryError: the SQLSTATE is on `.cause`, so the
// webhook's old top-level `code === '23505'` test never fired. The one resolver reads through.

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.close());

const row = { id: 'msg_dup', bodySha256: 'a'.repeat(64), type: 'payout.received', status: 200, response: '{}' };

async function caught(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the statement to fail');
}

describe('the database error resolver', () => {
  it('sees a unique violation under drizzle wrapping, which the top-level code test missed', async () => {
    await t.db.insert(webhookEvents).values(row);
    const error = await caught(() => t.db.insert(webhookEvents).values(row));
    expect((error as { code?: string }).code).toBeUndefined(); // the old test: never true
    expect((error as Error).constructor.name).toBe('DrizzleQueryError');
    expect(sqlError(error)).toMatchObject({ code: UNIQUE_VIOLATION, constraint: 'webhook_events_pkey' });
  });

  it('sees a check violation and a trigger raised message', async () => {
    const check = await caught(() => t.db.insert(webhookEvents).values({ ...row, id: 'x', bodySha256: 'not hex' }));
    expect(sqlError(check)).toMatchObject({ code: CHECK_VIOLATION, constraint: 'webhook_events_body_sha256_hex' });
    // reserve_utxo_guard refuses DELETE with its own SQLSTATE and message, through the same resolver.
    await t.db.execute(
      sql`insert into utxos (txid, vout, policy_id, network, address, amount_sat, coinbase, site_id, status, event_id)
          values (${'b'.repeat(64)}, 0, 'p', 'regtest', 'a', 1, false, 's', 'available', 'e')`,
    );
    const refused = await caught(() => t.db.execute(sql`delete from utxos`));
    expect(sqlError(refused).code).toBe('42501');
    expect(sqlError(refused).message).toMatch(/utxos: DELETE refused/);
  });
});
