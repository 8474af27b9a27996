import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../../db/client.js';
import { createSpendsApp, type SpendsApp } from './fixture.js';

// Addresses of ended spends (docs/spends.md): a spend cancelled before broadcast gives its change address and its
// policy_id output's receive address back, and the next spend needing an address of that chain reuses them, so a
// run of cancelled spends neither trips the destination's gap limit (20) nor widens either chain's gap. An address
// is never held by two live spends: the proposals racing below come from two vaults (two vault locks) to a third.

let t: SpendsApp;
beforeAll(async () => {
  t = await createSpendsApp();
  await t.mine(1);
  await t.fund('regtest-five', [300_000_000n, 300_000_000n, 300_000_000n, 300_000_000n]);
  await t.fund('regtest-warm', [300_000_000n, 300_000_000n, 300_000_000n, 300_000_000n]);
});
afterAll(async () => t?.close());

const toCold = (policy: string, purpose: string) => ({
  policy_id: policy,
  outputs: [{ policy_id: 'regtest-cold', amount_btc: '0.1' }],
  fee_rate_sat_vb: 2,
  purpose,
});

async function refused(statement: ReturnType<typeof sql>, message: RegExp) {
  let text = '';
  try {
    await t.database.db.execute(statement);
  } catch (error) {
    text = `${(error as Error).message} ${String((error as { cause?: Error }).cause?.message ?? '')}`;
  }
  expect(text).toMatch(message);
}

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  return rowsOf<T>(await t.database.db.execute(query));
}

async function sharedLiveAddresses(): Promise<number> {
  const [r] = await rows<{ n: number }>(sql`select count(*)::int as n from (select o.address from spend_outputs o
    join spends s on s.id = o.spend_id where o.issued and s.state in ('proposed', 'approved', 'signed', 'broadcast', 'confirmed')
    group by o.address having count(*) > 1) d`);
  return Number(r!.n);
}

async function issuedCount(policy: string, chain: number): Promise<number> {
  const [r] = await rows<{ n: number }>(
    sql`select count(*)::int as n from policy_addresses where policy_id = ${policy} and chain = ${chain} and state = 'issued'`,
  );
  return Number(r!.n);
}

describe('addresses of cancelled spends', () => {
  it('25 cancelled spends to a policy_id output, then a 26th is proposed: one receive and one change address reused', async () => {
    const receive = new Set<string>();
    const change = new Set<string>();
    for (let i = 0; i < 25; i++) {
      const r = await t.request('POST', '/v1/spends', {
        key: t.keys.officer,
        body: toCold('regtest-five', `round ${i}`),
      });
      expect(r.status, r.text).toBe(201);
      receive.add(r.json.outputs[0].address);
      change.add(r.json.change.address);
      const c = await t.request('POST', `/v1/spends/${r.json.id}/cancel`, { key: t.keys.officer });
      expect(c.status, c.text).toBe(200);
    }
    const last = await t.request('POST', '/v1/spends', {
      key: t.keys.officer,
      body: toCold('regtest-five', 'the 26th'),
    });
    expect(last.status, last.text).toBe(201);
    receive.add(last.json.outputs[0].address);
    change.add(last.json.change.address);
    expect(receive.size).toBe(1);
    expect(change.size).toBe(1);
    expect(await issuedCount('regtest-cold', 0)).toBe(1);
    expect(await issuedCount('regtest-five', 1)).toBe(1);
    // The address now carries the live spend's label; every reuse is audited with the label it had.
    const [addr] = await rows<{ label: string; index: number }>(
      sql`select label, index from policy_addresses where address = ${last.json.outputs[0].address}`,
    );
    expect(addr).toEqual({ label: `${last.json.id}:0`, index: 0 });
    const [reuses] = await rows<{ n: number }>(
      sql`select count(*)::int as n from audit_log where action = 'policies.address.reuse'`,
    );
    expect(Number(reuses!.n)).toBe(50);
    expect(await sharedLiveAddresses()).toBe(0);
  });

  it('a live spend keeps its addresses: the next proposal gets new ones, and the database refuses a second live holder', async () => {
    const first = rowsOf<{ id: string; address: string }>(
      await t.database.db.execute(
        sql`select s.id, o.address from spends s join spend_outputs o on o.spend_id = s.id and o.kind = 'change' where s.state = 'proposed'`,
      ),
    );
    expect(first.length).toBe(1);
    const next = await t.request('POST', '/v1/spends', { key: t.keys.officer, body: toCold('regtest-five', 'beside') });
    expect(next.status, next.text).toBe(201);
    expect(next.json.change.address).not.toBe(first[0]!.address);
    // A hand-written row giving the live change address to another live spend: the unique partial index refuses it.
    await refused(
      sql`insert into spend_outputs (spend_id, vout, address, script_hex, amount_sat, kind, dest_policy_id, issued)
        values (${next.json.id}, 9, ${first[0]!.address}, '00', 1000, 'change', 'regtest-five', true)`,
      /spend_outputs_one_live_issue/,
    );
    // An ended spend's output may not be bound again, nor a live one's let go by hand.
    await refused(sql`update spend_outputs set live = true where not live`, /may not change/);
    await refused(sql`update spend_outputs set live = false where spend_id = ${next.json.id}`, /may not change/);
    for (const id of [first[0]!.id, next.json.id]) {
      const c = await t.request('POST', `/v1/spends/${id}/cancel`, { key: t.keys.officer });
      expect(c.status, c.text).toBe(200);
    }
  });

  it('proposals of two vaults racing for the released receive addresses of a third: never one address in two live spends', async () => {
    const released = await rows<{ address: string }>(
      sql`select distinct address from spend_outputs where kind = 'vault' and dest_policy_id = 'regtest-cold' and issued and not live`,
    );
    expect(released.length).toBeGreaterThanOrEqual(2);
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        t.request('POST', '/v1/spends', {
          key: t.keys.officer,
          body: toCold(i % 2 === 0 ? 'regtest-five' : 'regtest-warm', `race ${i}`),
        }),
      ),
    );
    for (const a of answers) expect(a.status, a.text).toBe(201);
    const addresses = answers.map((a) => a.json.outputs[0].address as string);
    expect(new Set(addresses).size).toBe(addresses.length);
    // The released ones were taken first (lowest index first), then new ones issued.
    for (const r of released) expect(addresses).toContain(r.address);
    expect(await sharedLiveAddresses()).toBe(0);
    expect(await issuedCount('regtest-cold', 0)).toBe(8);
  });

  it('a rejected spend gives its addresses back as a cancelled one does', async () => {
    const [live] = await rows<{ id: string; address: string }>(sql`select s.id, o.address from spends s
      join spend_outputs o on o.spend_id = s.id and o.kind = 'vault' where s.state = 'proposed' and s.policy_id = 'regtest-five'
      order by s.created_at limit 1`);
    const c = await t.request('POST', `/v1/spends/${live!.id}/cancel`, { key: t.keys.officer });
    expect(c.status, c.text).toBe(200);
    const p = await t.request('POST', '/v1/spends', { key: t.keys.officer, body: toCold('regtest-five', 'to reject') });
    expect(p.status, p.text).toBe(201);
    expect(p.json.outputs[0].address).toBe(live!.address);
    const r = await t.request('POST', `/v1/spends/${p.json.id}/approvals`, {
      key: t.approvers[0],
      body: { decision: 'reject', digest: p.json.digest },
    });
    expect(r.status, r.text).toBe(200);
    expect(r.json.state).toBe('rejected');
    const q = await t.request('POST', '/v1/spends', { key: t.keys.officer, body: toCold('regtest-five', 'after') });
    expect(q.status, q.text).toBe(201);
    expect(q.json.outputs[0].address).toBe(live!.address);
    expect(q.json.change.address).toBe(p.json.change.address);
    expect(await issuedCount('regtest-cold', 0)).toBe(8);
    expect(await sharedLiveAddresses()).toBe(0);
  });
});
