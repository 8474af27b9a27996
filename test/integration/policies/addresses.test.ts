import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../../../db/client.js';
import { createTestApp, type TestApp } from '../../support/app.js';
import { onPostgres } from '../../support/db.js';
import { findPolicy, markAddressUsed, policyWallet } from '../../../src/policies/service.js';

// Addresses of the example regtest-cold vault (2-of-3 P2WSH from BIP-32 test vector seeds 1, 2, 4).
// Its addresses come from the derivation code that test/unit/custody checks against published vectors.
let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(async () => {
  await app.close();
});

const issue = (body: unknown, key?: string) =>
  app.request('POST', '/v1/policies/regtest-cold/addresses', { body, key });

describe('policies over HTTP', () => {
  it('lists the example policies with m-of-n, signers, tier, rules and version', async () => {
    const res = await app.request('GET', '/v1/policies', { key: app.keys.auditor });
    expect(res.status).toBe(200);
    expect(res.json.items.map((p: { id: string }) => p.id)).toEqual(['regtest-cold', 'regtest-warm', 'testnet-drill']);
    const cold = res.json.items[0];
    expect(cold).toMatchObject({
      m_of_n: '2-of-3',
      network: 'regtest',
      script: 'p2wsh',
      tier: 'cold',
      version: 1,
      gap_limit: 20,
      active: true,
    });
    expect(cold.signers[0]).toMatchObject({ fingerprint: '3442193e', path: "m/48'/1'/0'/2'" });
    expect(cold.spending).toMatchObject({
      per_tx_limit_sat: '5000000000',
      per_tx_limit_btc: '50.00000000',
      daily_limit_btc: '100.00000000',
      allowed_destinations: ['policy:regtest-warm'],
    });
  });

  it('describes every policies route in the OpenAPI document', async () => {
    const res = await app.request('GET', '/openapi.json', { key: null });
    expect(res.status).toBe(200);
    for (const path of [
      '/v1/policies',
      '/v1/policies/{id}',
      '/v1/policies/{id}/descriptor',
      '/v1/policies/{id}/export',
      '/v1/policies/{id}/addresses',
      '/v1/addresses/{address}',
    ]) {
      expect(res.json.paths[path], path).toBeDefined();
    }
  });

  it('404s an unknown policy and needs a key', async () => {
    expect((await app.request('GET', '/v1/policies/nope')).status).toBe(404);
    expect((await app.request('GET', '/v1/policies', { key: null })).status).toBe(401);
  });

  it('returns receive, change and multipath descriptors with valid checksums', async () => {
    const res = await app.request('GET', '/v1/policies/regtest-warm/descriptor', { key: app.keys.approver });
    expect(res.status).toBe(200);
    expect(res.json.receive).toMatch(
      /^sh\(wsh\(sortedmulti\(2,\[3442193e\/48h\/1h\/0h\/1h\]tpub[1-9A-HJ-NP-Za-km-z]+\/0\/\*,.*\)\)\)#[a-z0-9]{8}$/,
    );
    expect(res.json.change).toContain('/1/*');
    expect(res.json.multipath).toContain('/<0;1>/*');
  });

  it('exports a Caravan configuration and refuses an unknown format', async () => {
    const res = await app.request('GET', '/v1/policies/testnet-drill/export?format=caravan');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      addressType: 'P2WSH',
      network: 'testnet',
      quorum: { requiredSigners: 2, totalSigners: 3 },
    });
    expect(res.json.extendedPublicKeys[0]).toMatchObject({ xfp: '73c5da0a', bip32Path: "m/48'/1'/0'/2'" });
    const bad = await app.request('GET', '/v1/policies/testnet-drill/export?format=electrum');
    expect(bad.status).toBe(422);
    expect(bad.json.errors[0].field).toBe('query.format');
  });
});

describe('issuing addresses', () => {
  it('issues index 0, then 1, idempotent per label', async () => {
    const first = await issue(
      { label: 'site-1/pool-a', site: 'site-1', pool: 'pool-a', purpose: 'payouts' },
      app.keys.officer,
    );
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({
      chain: 0,
      index: 0,
      state: 'issued',
      address: 'bcrt1qgf0m3u7hjs6vzarxqutzwuvfrlrfpfhkpj99w6naz4dvgdfgxsfsyddymg',
    });
    expect(first.json.bip32_derivations).toHaveLength(3);
    expect(first.json.bip32_derivations.map((d: { path: string }) => d.path)).toContain("m/48'/1'/0'/2'/0/0");
    const again = await issue(
      { label: 'site-1/pool-a', site: 'site-1', pool: 'pool-a', purpose: 'payouts' },
      app.keys.officer,
    );
    expect(again.status).toBe(200);
    expect(again.json.address).toBe(first.json.address);
    const second = await issue({ label: 'site-2/pool-b' }, app.keys.officer);
    expect(second.json.index).toBe(1);
  });

  it('refuses the same label with a different site (409) and writes nothing', async () => {
    const res = await issue({ label: 'site-1/pool-a', site: 'site-9' }, app.keys.officer);
    expect(res.status).toBe(409);
    const list = await app.request('GET', '/v1/policies/regtest-cold/addresses?chain=0&limit=5');
    expect(list.json.items.filter((i: { state: string }) => i.state === 'issued')).toHaveLength(2);
  });

  it('refuses bad bodies with 422 naming the field, and approvers with 403', async () => {
    const empty = await issue({ label: '' }, app.keys.officer);
    expect(empty.status).toBe(422);
    expect(empty.json.errors[0].field).toBe('label');
    const extra = await issue({ label: 'x', index: 7 }, app.keys.officer);
    expect(extra.status).toBe(422);
    expect((await issue({ label: 'x' }, app.keys.approver)).status).toBe(403);
  });

  it('stops at the gap limit with 409 unless an admin forces it', async () => {
    for (let i = 2; i < 20; i++) expect((await issue({ label: `fill-${i}` }, app.keys.officer)).status).toBe(201);
    const refused = await issue({ label: 'one-too-many' }, app.keys.officer);
    expect(refused.status).toBe(409);
    expect(refused.json.detail).toContain('gap limit 20');
    expect((await issue({ label: 'one-too-many', force: true }, app.keys.officer)).status).toBe(403);
    const forced = await issue({ label: 'one-too-many', force: true }, app.keys.admin);
    expect(forced.status).toBe(201);
    expect(forced.json.index).toBe(20);
    const audited = rowsOf<{ n: number }>(
      await app.database.db.execute(
        sql`select count(*)::int as n from audit_log where action = 'policies.address.issue'`,
      ),
    );
    expect(audited[0]!.n).toBe(21);
  });

  it('lists derived addresses with their state, at most 1000 at a time', async () => {
    const res = await app.request('GET', '/v1/policies/regtest-cold/addresses?chain=1&limit=2', {
      key: app.keys.auditor,
    });
    expect(res.status).toBe(200);
    expect(res.json.items).toHaveLength(2);
    expect(res.json.items[0]).toMatchObject({
      chain: 1,
      index: 0,
      state: 'unissued',
      label: null,
      site: null,
      address: 'bcrt1q4vpxlj25uc732ywwm0np7k0tvy6rzxa0nwdzprq50mpuaaqqr62q945qvk',
    });
    expect(res.json.next_cursor).toEqual(expect.any(String));
    const most = await app.request('GET', '/v1/policies/regtest-cold/addresses?limit=1000');
    expect(most.status).toBe(200);
    for (const [limit, reason] of [
      ['1001', 'must be at most 1000'],
      ['0', 'must be at least 1'],
      ['2.5', 'must be an integer'],
    ]) {
      const refused = await app.request('GET', `/v1/policies/regtest-cold/addresses?limit=${limit}`);
      expect(refused.status, limit).toBe(422);
      expect(refused.json.errors, limit).toEqual([{ field: 'query.limit', reason }]);
    }
    expect((await app.request('GET', '/v1/policies/regtest-cold/addresses?chain=2')).status).toBe(422);
  });

  it('pages through the whole reach with a cursor: each address once, in index order', async () => {
    // Receive indexes 0-20 are issued (the gap-limit test), so the reach is 0..40 (gap_limit 20 past 20).
    const whole = await app.request('GET', '/v1/policies/regtest-cold/addresses?chain=0&limit=1000');
    expect(whole.json).toMatchObject({ policy_id: 'regtest-cold', chain: 0, reach_end: 40, next_cursor: null });
    expect(whole.json.items.map((i: { index: number }) => i.index)).toEqual(Array.from({ length: 41 }, (_, i) => i));
    expect(whole.json.items[0]).toMatchObject({ label: 'site-1/pool-a', site: 'site-1', pool: 'pool-a' });
    expect(whole.json.items.filter((i: { state: string }) => i.state === 'issued')).toHaveLength(21);
    const paged: unknown[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const res = await app.request('GET', `/v1/policies/regtest-cold/addresses?chain=0&limit=7${query}`);
      expect(res.status).toBe(200);
      paged.push(...res.json.items);
      sizes.push(res.json.items.length);
      cursor = res.json.next_cursor;
    } while (cursor && sizes.length < 20);
    expect(sizes).toEqual([7, 7, 7, 7, 7, 6]);
    expect(paged).toEqual(whole.json.items);
    // A reach that ends on a page boundary has no empty last page.
    const exact = await app.request('GET', '/v1/policies/regtest-cold/addresses?chain=1&limit=20');
    expect(exact.json).toMatchObject({ reach_end: 19, next_cursor: null });
    expect(exact.json.items).toHaveLength(20);
  });

  it('refuses the old from/count and a cursor it did not issue, with a 422 naming the parameter', async () => {
    const old = await app.request('GET', '/v1/policies/regtest-cold/addresses?from=0&count=5');
    expect(old.status).toBe(422);
    expect(old.json.errors).toEqual([
      { field: 'query.from', reason: 'is not a known field' },
      { field: 'query.count', reason: 'is not a known field' },
    ]);
    expect(old.json.detail).toContain('this route takes chain, limit, cursor');
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const cursor of ['garbage!', forged({ index: '-1' }), forged({ index: '2147483648' }), forged({ seq: '1' })]) {
      const res = await app.request('GET', `/v1/policies/regtest-cold/addresses?cursor=${encodeURIComponent(cursor)}`);
      expect(res.status, cursor).toBe(422);
      expect(res.json.errors, cursor).toEqual([{ field: 'query.cursor', reason: 'not a cursor this API issued' }]);
    }
    // A cursor past the reach (the reach only grows, so one the API issued never is): an empty last page.
    const beyond = await app.request('GET', `/v1/policies/regtest-cold/addresses?cursor=${forged({ index: '500' })}`);
    expect(beyond.json).toMatchObject({ items: [], next_cursor: null });
  });
});

describe('resolving addresses', () => {
  it('resolves an issued address with its witness script and derivations', async () => {
    const res = await app.request(
      'GET',
      '/v1/addresses/bcrt1qgf0m3u7hjs6vzarxqutzwuvfrlrfpfhkpj99w6naz4dvgdfgxsfsyddymg',
      { key: app.keys.auditor },
    );
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      policy_id: 'regtest-cold',
      chain: 0,
      index: 0,
      state: 'issued',
      label: 'site-1/pool-a',
      network: 'regtest',
    });
    expect(res.json.witness_script).toMatch(/^52(21[0-9a-f]{66}){3}53ae$/);
  });

  it('finds a derivable change address that was never issued, and records it', async () => {
    const res = await app.request(
      'GET',
      '/v1/addresses/bcrt1q4vpxlj25uc732ywwm0np7k0tvy6rzxa0nwdzprq50mpuaaqqr62q945qvk',
    );
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ policy_id: 'regtest-cold', chain: 1, index: 0, state: 'derived' });
    const rows = rowsOf<{ state: string }>(
      await app.database.db.execute(sql`select state from policy_addresses where chain = 1`),
    );
    expect(rows).toEqual([{ state: 'derived' }]);
  });

  it('finds a P2SH-P2WSH address with its redeem script', async () => {
    const res = await app.request('GET', '/v1/addresses/2NBLnj5TAb3ynJVRm5HR1Th1hiQ5AmxNhVQ');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ policy_id: 'regtest-warm', chain: 0, index: 0 });
    expect(res.json.redeem_script).toMatch(/^0020[0-9a-f]{64}$/);
  });

  it('scans gap_limit past the highest known receive index, and no further', async () => {
    // Receive indexes 0-20 are issued (see the gap-limit test), so 21..40 are in reach and 41 is not.
    const list = await app.request('GET', '/v1/policies/regtest-cold/addresses?chain=0&limit=1000');
    expect(list.json.reach_end).toBe(40);
    const inReach = list.json.items[40].address;
    const policy = (await findPolicy(app.database.db, 'regtest-cold'))!;
    const beyond = policyWallet(policy).derive(0, 41).address;
    expect((await app.request('GET', `/v1/addresses/${beyond}`)).status).toBe(404);
    const found = await app.request('GET', `/v1/addresses/${inReach}`);
    expect(found.status).toBe(200);
    expect(found.json).toMatchObject({ chain: 0, index: 40, state: 'derived', label: null });
    // Index 40 is now known, so 41 has come within reach, and the listing's reach with it.
    expect((await app.request('GET', `/v1/addresses/${beyond}`)).json).toMatchObject({ index: 41, state: 'derived' });
    const grown = await app.request('GET', '/v1/policies/regtest-cold/addresses?chain=0&limit=1000');
    expect(grown.json.reach_end).toBe(61);
    expect(grown.json.items[41]).toMatchObject({ address: beyond, state: 'derived' });
  });

  it('accepts an upper-case bech32 address as the same address', async () => {
    const res = await app.request(
      'GET',
      '/v1/addresses/BCRT1QGF0M3U7HJS6VZARXQUTZWUVFRLRFPFHKPJ99W6NAZ4DVGDFGXSFSYDDYMG',
    );
    expect(res.status).toBe(200);
    expect(res.json.address).toBe('bcrt1qgf0m3u7hjs6vzarxqutzwuvfrlrfpfhkpj99w6naz4dvgdfgxsfsyddymg');
  });

  it("reads each address in its own policy's network (a testnet drill vault beside regtest vaults)", async () => {
    const res = await app.request(
      'GET',
      '/v1/addresses/tb1qnc6wagm087qyewvqgs4hggunretvv676n3hgl4q67qecx4vdnjrq4q4xur',
    );
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ policy_id: 'testnet-drill', network: 'testnet', chain: 0, index: 0 });
    // The same key set's script on regtest would be a bcrt1 address: no policy has it.
    const list = await app.request('GET', '/v1/policies/testnet-drill/addresses?limit=1');
    expect(list.json.items[0].address.startsWith('tb1q')).toBe(true);
  });

  it('404s a valid foreign address and 422s an invalid or wrong-network one', async () => {
    // A regtest P2WPKH address of no policy (BIP-173's test program, regtest prefix).
    expect((await app.request('GET', '/v1/addresses/bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080')).status).toBe(404);
    const mainnet = await app.request('GET', '/v1/addresses/bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4');
    expect(mainnet.status).toBe(422);
    expect(mainnet.json.errors[0].field).toBe('address');
    expect(
      (await app.request('GET', '/v1/addresses/bcrt1qgf0m3u7hjs6vzarxqutzwuvfrlrfpfhkpj99w6naz4dvgdfgxsfsyddymh'))
        .status,
    ).toBe(422);
  });
});

describe('database guards', () => {
  it('frees gap-limit room when issued addresses are used; a used address never becomes unused', async () => {
    const issue = (label: string) =>
      app.request('POST', '/v1/policies/regtest-cold/addresses', { body: { label }, key: app.keys.officer });
    expect((await issue('after-use')).status).toBe(409);
    const index0 = 'bcrt1qgf0m3u7hjs6vzarxqutzwuvfrlrfpfhkpj99w6naz4dvgdfgxsfsyddymg';
    await markAddressUsed({ ctx: app.ctx(), input: { address: index0 } });
    const second = (await app.request('GET', '/v1/policies/regtest-cold/addresses?limit=2')).json.items[1].address;
    await markAddressUsed({ ctx: app.ctx(), input: { address: second } });
    expect((await app.request('GET', `/v1/addresses/${index0}`)).json.state).toBe('used');
    const after = await issue('after-use');
    expect(after.status).toBe(201);
    expect(after.json.index).toBe(42); // past the derived 40 and 41 found by the scan
    await expect(
      app.database.db.execute(sql`update policy_addresses set state = 'issued' where address = ${index0}`),
    ).rejects.toThrow();
  });

  it('refuses to change the key set of a policy with addresses, even by hand', async () => {
    await expect(
      app.database.db.execute(sql`update policies set keyset_hash = 'x' where id = 'regtest-cold'`),
    ).rejects.toThrow();
    await expect(app.database.db.execute(sql`delete from policy_addresses`)).rejects.toThrow();
    await expect(
      app.database.db.execute(sql`update policy_addresses set index = 99 where chain = 1`),
    ).rejects.toThrow();
  });

  // Several payouts to one never-issued address may arrive at once: one row, every caller gets it.
  // Concurrent sessions exist only on PostgreSQL (PGlite is one connection).
  it.runIf(onPostgres)('records a derived address once under concurrent look-ups', async () => {
    const list = await app.request('GET', '/v1/policies/regtest-warm/addresses?chain=1&limit=4');
    const address = list.json.items[3].address;
    const results = await Promise.all(Array.from({ length: 6 }, () => app.request('GET', `/v1/addresses/${address}`)));
    expect(results.map((r) => [r.status, r.json.chain, r.json.index])).toEqual(Array(6).fill([200, 1, 3]));
    const rows = rowsOf<{ n: number }>(
      await app.database.db.execute(sql`select count(*)::int as n from policy_addresses where address = ${address}`),
    );
    expect(rows[0]!.n).toBe(1);
  });

  // Two officers at once must get two different indexes: only PostgreSQL has concurrent sessions (PGlite is one connection).
  it.runIf(onPostgres)('gives concurrent issues distinct indexes', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        app.request('POST', '/v1/policies/regtest-warm/addresses', {
          body: { label: `race-${i}` },
          key: app.keys.officer,
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(new Set(results.map((r) => r.json.index)).size).toBe(8);
  });
});
