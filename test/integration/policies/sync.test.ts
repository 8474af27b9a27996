import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../../db/client.js';
import { loadConfig } from '../../../src/config.js';
import { PolicyValidationError } from '../../../src/policies/document.js';
import { issueAddress } from '../../../src/policies/service.js';
import { loadAndSyncPolicies } from '../../../src/policies/startup.js';
import { startServer } from '../../../src/server.js';
import { createTestApp, EXAMPLE_POLICIES_DIR, silentLog, type TestApp } from '../../support/app.js';

let app: TestApp;
let dir: string;
const file = (id: string) => join(dir, `${id}.yaml`);
const edit = (id: string, from: string | RegExp, to: string) => {
  const text = readFileSync(file(id), 'utf8');
  const next = text.replace(from, to);
  expect(next).not.toBe(text);
  writeFileSync(file(id), next);
};
const sync = () => loadAndSyncPolicies(app.database.db, dir, silentLog);
const auditActions = async (target: string) =>
  rowsOf<{ action: string; details: Record<string, unknown> }>(
    await app.database.db.execute(sql`select action, details from audit_log where target = ${target} order by seq`),
  );

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'reserve-policies-'));
  cpSync(EXAMPLE_POLICIES_DIR, dir, { recursive: true });
  app = await createTestApp({ policiesDir: dir });
});
afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('syncing policy files into the database', () => {
  it('stores version 1 with its hashes and an audit row per new policy', async () => {
    const rows = rowsOf<{ id: string; version: number; content_hash: string }>(
      await app.database.db.execute(sql`select id, version, content_hash from policies order by id`),
    );
    expect(rows.map((r) => [r.id, r.version])).toEqual([
      ['regtest-cold', 1],
      ['regtest-warm', 1],
      ['testnet-drill', 1],
    ]);
    expect(rows[0]!.content_hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await auditActions('regtest-cold')).map((a) => a.action)).toEqual(['policies.create']);
  });

  it('changes nothing when started again on the same files', async () => {
    expect(await sync()).toEqual({
      created: [],
      versioned: [],
      unchanged: ['regtest-cold', 'regtest-warm', 'testnet-drill'],
      retired: [],
    });
  });

  it('makes a rule change a new version with an audit row naming the changed fields', async () => {
    await issueAddress({ ctx: app.ctx(), input: { policyId: 'regtest-cold', label: 'used-before-the-change' } });
    edit('regtest-cold', 'per_tx_limit_btc: "50"', 'per_tx_limit_btc: "40"');
    edit('regtest-cold', 'tier: cold', 'tier: warm');
    expect((await sync()).versioned).toEqual(['regtest-cold']);
    const res = await app.request('GET', '/v1/policies/regtest-cold');
    expect(res.json).toMatchObject({ version: 2, tier: 'warm', spending: { per_tx_limit_btc: '40.00000000' } });
    const actions = await auditActions('regtest-cold');
    expect(actions.at(-1)).toMatchObject({
      action: 'policies.version',
      details: { from_version: 1, version: 2, changed: ['spending', 'tier'] },
    });
    const versions = rowsOf<{ version: number }>(
      await app.database.db.execute(
        sql`select version from policy_versions where policy_id = 'regtest-cold' order by version`,
      ),
    );
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
    await expect(app.database.db.execute(sql`update policy_versions set version = 9`)).rejects.toThrow();
  });

  it("refuses start-up when a used policy's key set changes, naming file and field, and writes nothing", async () => {
    const before = readFileSync(file('regtest-cold'), 'utf8');
    edit('regtest-cold', 'threshold: 2', 'threshold: 3');
    edit('regtest-warm', 'daily_limit_btc: "10.5"', 'daily_limit_btc: "11"');
    const error = await sync().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyValidationError);
    expect((error as PolicyValidationError).issues).toEqual([
      {
        file: file('regtest-cold'),
        field: 'signers',
        reason: expect.stringMatching(/has issued 1 address.*key set.*new id/),
      },
    ]);
    // The whole sync rolled back: regtest-warm's rule change was not applied either.
    expect((await app.request('GET', '/v1/policies/regtest-warm')).json.version).toBe(1);
    expect((await app.request('GET', '/v1/policies/regtest-cold')).json.threshold).toBe(2);
    writeFileSync(file('regtest-cold'), before);
    edit('regtest-warm', 'daily_limit_btc: "11"', 'daily_limit_btc: "10.5"');
  });

  it('lets an unused policy take a new key set as a new version (nothing was ever paid to it)', async () => {
    edit('testnet-drill', 'threshold: 2', 'threshold: 3');
    expect((await sync()).versioned).toEqual(['testnet-drill']);
    expect((await auditActions('testnet-drill')).at(-1)!.action).toBe('policies.rekey_unused');
  });

  it('marks a policy whose file is gone as retired; it issues no more addresses', async () => {
    rmSync(file('testnet-drill'));
    expect((await sync()).retired).toEqual(['testnet-drill']);
    const res = await app.request('POST', '/v1/policies/testnet-drill/addresses', {
      body: { label: 'late' },
      key: app.keys.officer,
    });
    expect(res.status).toBe(409);
  });
});

describe('start-up', () => {
  it('refuses to start on an invalid policy, saying which file, field and why', async () => {
    const data = mkdtempSync(join(tmpdir(), 'reserve-data-'));
    const policies = mkdtempSync(join(tmpdir(), 'reserve-bad-policies-'));
    writeFileSync(
      join(policies, 'broken.yaml'),
      readFileSync(join(EXAMPLE_POLICIES_DIR, 'regtest-cold.yaml'), 'utf8').replace('threshold: 2', 'threshold: 4'),
    );
    try {
      // It fails before listening, so the port is never bound.
      const config = loadConfig({ DATA_DIR: data, POLICIES_DIR: policies, PORT: '65001', LOG_LEVEL: 'silent' });
      const error = await startServer({ ...config, DATABASE_URL: undefined }, silentLog).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PolicyValidationError);
      // file:line:column of the value at fault (threshold is on line 11 of the example)
      expect((error as Error).message).toContain(
        `${join(policies, 'broken.yaml')}:11:12: threshold: is 4 but there are only 3 signers`,
      );
      expect(existsSync(join(data, 'pg'))).toBe(false); // refused before the database was opened
    } finally {
      rmSync(data, { recursive: true, force: true });
      rmSync(policies, { recursive: true, force: true });
    }
  });
});
