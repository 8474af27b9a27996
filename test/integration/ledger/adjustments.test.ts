// Corrections with four eyes (issue 13, finding 4): propose, approve by someone else, posted once;
// the database refuses the same approver, a second decision, a second entry, a deletion.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../../db/client.js';
import type { Actor, Ctx } from '../../../src/context.js';
import { decideAdjustment, proposeAdjustment } from '../../../src/ledger/adjustments/service.js';
import { getBalance, getEntry, postEntry } from '../../../src/ledger/service.js';
import { createLogger } from '../../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { btcEntry, fiatEntry } from './helpers.js';

let database: TestDatabase;
const log = createLogger('silent');
const alice: Actor = { keyId: 'key_alice', role: 'officer', name: 'Alice (treasury)' };
const bob: Actor = { keyId: 'key_bob', role: 'approver', name: 'Bob (finance)' };
const as = (actor: Actor): Ctx => ({ db: database.db, actor, requestId: `req_${actor.keyId}`, log });
const system = () => as({ keyId: null, role: 'system', name: 'system' });

beforeAll(async () => {
  database = await createTestDatabase();
  // seq 1: a payout booked to a site that does not exist (the finding's case)
  await postEntry({
    ctx: system(),
    input: btcEntry('Assets:Bitcoin:vault-a:Unconfirmed', 'Income:Mining:no-such-site', 5000n),
  });
  // seq 2: energy owed to the grid
  await postEntry({
    ctx: system(),
    input: fiatEntry('Expenses:Energy:hydro-1', 'Liabilities:Energy:grid', '1520.50', 'BYN'),
  });
});
afterAll(async () => database.close());

async function auditRows(target: string) {
  return rowsOf<{ action: string; actor_key_id: string; details: Record<string, unknown> }>(
    await database.db.execute(
      sql`select action, actor_key_id, details from audit_log where target = ${target} order by seq`,
    ),
  );
}

describe('a reversal with four eyes', () => {
  it('is proposed by an officer, refused to its proposer, posted by a different approver once', async () => {
    const proposed = await proposeAdjustment({ ctx: as(alice), input: { reason: 'unknown site', reverses_seq: '1' } });
    expect(proposed).toMatchObject({ state: 'proposed', proposedBy: 'key_alice', entrySeq: null });
    expect(await getBalance(system(), 'Income:Mining:no-such-site', 'BTC')).toBe(-5000n);

    await expect(
      decideAdjustment({ ctx: as(alice), input: { id: proposed.id, decision: 'approve' } }),
    ).rejects.toMatchObject({ code: 'forbidden' });
    const posted = await decideAdjustment({ ctx: as(bob), input: { id: proposed.id, decision: 'approve' } });
    expect(posted).toMatchObject({ state: 'posted', decidedBy: 'key_bob' });
    const entry = await getEntry(system(), { seq: posted.entrySeq! });
    expect(entry).toMatchObject({ kind: 'reversal', reversesSeq: 1n, actor: 'key_bob' });
    expect(entry!.source).toEqual({ type: 'adjustment', id: proposed.id });
    expect(entry!.description).toContain('Alice (treasury) (key_alice)');
    expect(entry!.description).toContain('Bob (finance) (key_bob)');
    expect(await getBalance(system(), 'Income:Mining:no-such-site', 'BTC')).toBe(0n);

    const audits = await auditRows(proposed.id);
    expect(audits.map((a) => [a.action, a.actor_key_id])).toEqual([
      ['ledger.adjustment.propose', 'key_alice'],
      ['ledger.adjustment.approve', 'key_bob'],
    ]);
    expect(audits[1]!.details).toMatchObject({
      proposed_by: { id: 'key_alice' },
      decided_by: { id: 'key_bob' },
      entry_seq: posted.entrySeq!.toString(),
    });

    await expect(
      decideAdjustment({ ctx: as(bob), input: { id: proposed.id, decision: 'approve' } }),
    ).rejects.toMatchObject({ code: 'conflict' });
    await expect(
      proposeAdjustment({ ctx: as(alice), input: { reason: 'again', reverses_seq: '1' } }),
    ).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('refuses an unknown entry, both bodies, an empty reason, naming the field', async () => {
    await expect(
      proposeAdjustment({ ctx: as(alice), input: { reason: 'x', reverses_seq: '999' } }),
    ).rejects.toMatchObject({
      code: 'validation_failed',
      options: { errors: [{ field: 'reverses_seq', reason: 'ledger entry 999 does not exist' }] },
    });
    await expect(proposeAdjustment({ ctx: as(alice), input: { reason: ' ' } })).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });
});

describe('an energy supplier payment through the same path', () => {
  const payment = {
    reason: 'grid invoice 2026-11',
    kind: 'energy.payment' as const,
    postings: [
      { account: 'Liabilities:Energy:grid', commodity: 'BYN', amount: '1520.50' },
      { account: 'Assets:Bank:BYN', commodity: 'BYN', amount: '-1520.50' },
    ],
  };

  it('posts an energy.payment entry that settles the liability', async () => {
    const proposed = await proposeAdjustment({ ctx: as(alice), input: payment });
    const posted = await decideAdjustment({ ctx: as(bob), input: { id: proposed.id, decision: 'approve' } });
    const entry = await getEntry(system(), { seq: posted.entrySeq! });
    expect(entry!.kind).toBe('energy.payment');
    expect((await getBalance(system(), 'Liabilities:Energy:grid', 'BYN')).toString()).toBe('0');
    expect((await getBalance(system(), 'Assets:Bank:BYN', 'BYN')).toString()).toBe('-1520.5');
  });

  it('refuses an unbalanced payment, a BTC payment, a payment that debits no supplier', async () => {
    const unbalanced = { ...payment, postings: [payment.postings[0]!, { ...payment.postings[1]!, amount: '-1520' }] };
    await expect(proposeAdjustment({ ctx: as(alice), input: unbalanced })).rejects.toMatchObject({
      options: { errors: [{ field: 'postings', reason: expect.stringMatching(/sum to zero/) }] },
    });
    const noSupplier = {
      ...payment,
      postings: [
        { account: 'Assets:Bank:BYN', commodity: 'BYN', amount: '10' },
        { account: 'Assets:Cash:BYN', commodity: 'BYN', amount: '-10' },
      ],
    };
    await expect(proposeAdjustment({ ctx: as(alice), input: noSupplier })).rejects.toMatchObject({
      options: { errors: [{ field: 'postings', reason: expect.stringMatching(/Liabilities:Energy/) }] },
    });
    const btc = {
      ...payment,
      postings: [
        { account: 'Liabilities:Energy:grid', commodity: 'BTC', amount_sat: '10' },
        { account: 'Assets:Bitcoin:vault-a:Available', commodity: 'BTC', amount_sat: '-10' },
      ],
    };
    await expect(proposeAdjustment({ ctx: as(alice), input: btc })).rejects.toMatchObject({
      options: { errors: [{ field: 'postings.0.commodity' }] },
    });
  });

  it('a rejection posts nothing', async () => {
    const proposed = await proposeAdjustment({ ctx: as(alice), input: { ...payment, reason: 'duplicate invoice' } });
    const rejected = await decideAdjustment({ ctx: as(bob), input: { id: proposed.id, decision: 'reject' } });
    expect(rejected).toMatchObject({ state: 'rejected', entrySeq: null });
  });
});

describe('the database holds four eyes whatever code writes', () => {
  async function attempt(statement: ReturnType<typeof sql>): Promise<string> {
    try {
      await database.db.execute(statement);
      return '';
    } catch (error) {
      let e = error as { message: string; cause?: unknown };
      while (e.cause) e = e.cause as typeof e;
      return e.message;
    }
  }
  const insert = (id: string) =>
    sql`insert into ledger_adjustments (id, kind, state, reason, reverses_seq, proposed_by, proposed_by_name)
        values (${id}, 'correction', 'proposed', 'raw', 2, 'key_alice', 'Alice')`;

  it('refuses the proposer as approver, a second decision, another entry, a deletion', async () => {
    const id = 'adj_00000000000000000001';
    expect(await attempt(insert(id))).toBe('');
    expect(
      await attempt(
        sql`update ledger_adjustments set state = 'rejected', decided_by = 'key_alice', decided_by_name = 'A', decided_at = now() where id = ${id}`,
      ),
    ).toMatch(/ledger_adjustments_four_eyes/);
    // posted against an entry that is not its own
    expect(
      await attempt(
        sql`update ledger_adjustments set state = 'posted', decided_by = 'key_bob', decided_by_name = 'B', decided_at = now(), entry_seq = 1 where id = ${id}`,
      ),
    ).toMatch(/is not its posting/);
    expect(
      await attempt(
        sql`update ledger_adjustments set state = 'rejected', decided_by = 'key_bob', decided_by_name = 'B', decided_at = now() where id = ${id}`,
      ),
    ).toBe('');
    expect(
      await attempt(
        sql`update ledger_adjustments set state = 'proposed', decided_by = null, decided_by_name = null, decided_at = null where id = ${id}`,
      ),
    ).toMatch(/already rejected/);
    expect(await attempt(sql`delete from ledger_adjustments where id = ${id}`)).toMatch(/may not be deleted/);
    // a second ledger entry for one adjustment
    const [posted] = rowsOf<{ id: string }>(
      await database.db.execute(sql`select id from ledger_adjustments where state = 'posted' limit 1`),
    );
    const second = btcEntry('Assets:Bitcoin:vault-a:Available', 'Equity:Adjustments', 1n, {
      kind: 'adjustment.other',
      source: { type: 'adjustment', id: posted!.id },
    });
    await expect(postEntry({ ctx: system(), input: second })).rejects.toThrow();
  });
});
