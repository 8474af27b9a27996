// The vault page's version history after a policy file changes, the public page's latest
// witnessed checkpoint with the keys and commands to check it, and the overview's open alerts
// (an acknowledged one is not among them), in-process on a real database.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raiseAlert } from '../../../src/alerts/index.js';
import { createApp } from '../../../src/app.js';
import { type NewEntry, postEntries } from '../../../src/ledger/index.js';
import {
  ALG_COSIGNATURE_V1,
  cosign,
  generateSigner,
  verifierKeyString,
} from '../../../src/ledger/transparency/offline.js';
import { loadAndSyncPolicies } from '../../../src/policies/startup.js';
import { createTestApp, EXAMPLE_POLICIES_DIR, silentLog, systemCtx, type TestApp } from '../../support/app.js';
import { consoleClient, signIn } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'reserve-console-pages-'));
let t: TestApp;
beforeAll(async () => {
  for (const f of ['regtest-cold.yaml', 'regtest-warm.yaml', 'testnet-drill.yaml'])
    copyFileSync(join(EXAMPLE_POLICIES_DIR, f), join(dir, f));
  t = await createTestApp({ policiesDir: dir });
}, 180_000);
afterAll(() => t?.close());

/** The page's text without its tags, spaces collapsed. */
const textOf = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .replaceAll('&#39;', "'")
    .replaceAll('&quot;', '"')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');

describe('a vault’s version history', () => {
  it('lists every version with the rules it changed, as the policy file changed', async () => {
    const file = join(dir, 'regtest-warm.yaml');
    const original = readFileSync(file, 'utf8');
    expect(original).toContain('  approvals: 2\n');
    expect(original).toContain('  delay_hours: 0\n');
    writeFileSync(
      file,
      original.replace('  approvals: 2\n', '  approvals: 1\n').replace('  delay_hours: 0\n', '  delay_hours: 6\n'),
    );
    const synced = await loadAndSyncPolicies(t.database.db, dir, silentLog);
    expect(synced.versioned).toEqual(['regtest-warm']);
    const policy = await t.request('GET', '/v1/policies/regtest-warm', { key: t.keys.auditor });
    expect(policy.json.version).toBe(2);

    const officer = consoleClient(t);
    await signIn(officer, t.keys.officer);
    const page = await officer.get('/console/vaults/regtest-warm');
    expect(page.status).toBe(200);
    const rows = [...page.text.matchAll(/<tr data-version="(\d+)">([\s\S]*?)<\/tr>/g)].map((m) => ({
      version: Number(m[1]),
      text: textOf(m[2]!),
      fields: [...m[2]!.matchAll(/data-field="([^"]+)"/g)].map((f) => f[1]),
    }));
    expect(rows.map((r) => r.version)).toEqual([2, 1]); // newest first
    expect(rows[0]!.fields).toEqual(['spending.approvals', 'spending.delay_hours']);
    expect(rows[0]!.text).toContain('spending.approvals : 2 → 1');
    expect(rows[0]!.text).toContain('spending.delay_hours : 0 → 6');
    expect(rows[1]!.text).toContain('first version');
    // The audit row of the new version names the same top-level field.
    const audit = await t.request('GET', '/v1/audit-log?limit=200', { key: t.keys.auditor });
    const versioned = audit.json.items.filter((e: { action: string }) => e.action === 'policies.version');
    expect(versioned).toHaveLength(1);
    expect(versioned[0].details.changed).toEqual(['spending']);
    // A policy that never changed has one row.
    const cold = await officer.get('/console/vaults/regtest-cold');
    expect([...cold.text.matchAll(/<tr data-version="/g)]).toHaveLength(1);
  });
});

describe('the public page’s transparency section', () => {
  it('shows the latest witnessed checkpoint, the keys and the commands to check it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'reserve-console-tlog-'));
    const witnesses = [1, 2].map((i) => generateSigner(`witness-${i}.example`, ALG_COSIGNATURE_V1));
    const { app } = createApp({
      database: t.database,
      config: {
        BODY_LIMIT_BYTES: 1 << 20,
        PUBLIC_PAGE: 'on',
        DATA_DIR: dataDir,
        REPORTING_ORIGIN: 'reserve.test',
        WITNESS_KEYS: `${witnesses.map(verifierKeyString).join(',')};quorum=1`,
      },
      log: silentLog,
    });
    const call = async (method: string, path: string, key: string, body?: unknown) => {
      const text = body === undefined ? undefined : JSON.stringify(body);
      const r = await app.request(path, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(text ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) } : {}),
        },
        body: text,
      });
      return { status: r.status, text: await r.text() };
    };
    const publicText = async () => textOf(await (await app.request('/console/public')).text());

    const before = await publicText();
    expect(before).toContain('No witness has cosigned a checkpoint yet.');
    const logKey = (await call('GET', '/v1/transparency/key', t.keys.auditor)).text.trim();
    expect(before).toContain(`The log's verifier key: ${logKey}`);
    expect(before).toContain(`reserve verify <export> --log-key '${logKey}'`);
    expect(before).toContain(`--witness-key '${verifierKeyString(witnesses[0]!)}'`);
    expect(before).toContain('--quorum 1');
    expect(before).toContain('reserve witness --url');

    const entries = Array.from(
      { length: 3 },
      (_, i): NewEntry => ({
        kind: 'test.entry',
        description: `entry ${i}`,
        occurredAt: new Date(Date.UTC(2026, 0, 5, 12, 0, i)),
        source: { type: 'test', id: `public-${i}` },
        postings: [
          { account: 'Assets:Bitcoin:regtest-cold:Unconfirmed', commodity: 'BTC', amount: 1000n + BigInt(i) },
          { account: 'Income:Mining:site-1', commodity: 'BTC', amount: -(1000n + BigInt(i)) },
        ],
      }),
    );
    await postEntries({ ctx: systemCtx(t.database), input: entries });
    expect((await call('POST', '/v1/transparency/checkpoints', t.keys.admin, {})).status).toBe(200);
    const signed = await publicText();
    expect(signed).toMatch(/No witness has cosigned a checkpoint yet; the log's latest checkpoint holds \d+ entries/);

    const note = (await call('GET', '/v1/transparency/checkpoint', t.keys.auditor)).text;
    const body = note.slice(0, note.indexOf('\n\n') + 1);
    const posted = await call('POST', '/v1/transparency/cosignatures', t.keys.auditor, {
      note: cosign(body, witnesses[0]!),
    });
    expect(posted.status, posted.text).toBe(200);
    const tree = JSON.parse((await call('GET', '/v1/transparency/tree', t.keys.auditor)).text);
    const served = (await call('GET', '/v1/transparency/checkpoint', t.keys.auditor)).text;
    // The checkpoint body's lines: origin, size, base64 root (C2SP tlog-checkpoint).
    const [origin, size, rootB64] = body.split('\n');
    expect(origin).toBe('reserve.test/ledger');
    expect(size).toBe(tree.checkpoint_size);

    const html = await (await app.request('/console/public')).text();
    const page = textOf(html);
    expect(page).toContain(
      `The ledger's first ${size} entries have the Merkle root ${Buffer.from(rootB64!, 'base64').toString('hex')}`,
    );
    expect(page).toMatch(
      /cosigned by witness-1\.example\+[0-9a-f]{8} \(1 of the 2 witnesses listed; the quorum is 1\)/,
    );
    const shownNote = /<pre class="wrap" id="checkpoint-note">([\s\S]*?)<\/pre>/.exec(html)![1]!;
    expect(shownNote.replaceAll('&#39;', "'")).toBe(served);
  });
});

describe('the overview’s alerts', () => {
  it('shows the open alerts, as GET /v1/alerts?state=open lists them, and not an acknowledged one', async () => {
    const raised = [];
    for (const site of ['dam-1', 'dam-2', 'dam-3'])
      raised.push(
        await raiseAlert(t.database.db, {
          kind: 'site.payouts_missing',
          message: `no payout from ${site} for 2 days`,
          details: { site_id: site, days: 2, last_payout_at: null, checked_at: new Date().toISOString() },
        }),
      );
    const officer = consoleClient(t);
    await signIn(officer, t.keys.officer);
    const shownIds = (html: string) => [...html.matchAll(/<li data-alert="([^"]+)">/g)].map((m) => m[1]);
    const before = await officer.get('/console');
    expect(shownIds(before.text)).toEqual(raised.map((a) => a.id).reverse()); // newest first

    const ack = await t.request('POST', `/v1/alerts/${raised[1]!.id}/acknowledgements`, {
      key: t.keys.officer,
      body: { note: 'the dam was shut for maintenance' },
    });
    expect(ack.status, ack.text).toBe(201);
    const open = await t.request('GET', '/v1/alerts?state=open', { key: t.keys.auditor });
    expect(open.json.items.map((a: { id: string }) => a.id)).toEqual([raised[2]!.id, raised[0]!.id]);

    const after = await officer.get('/console');
    expect(shownIds(after.text)).toEqual(open.json.items.map((a: { id: string }) => a.id));
    expect(after.text).not.toContain('no payout from dam-2');
    expect(textOf(after.text)).toContain('2 open (2 warning).');
  });
});
