// The tree the database keeps equals the RFC 6962 tree of the entries' canonical bytes computed
// here in JavaScript; proofs served verify; checkpoints refuse to shrink or to sign a rewritten
// tree; three witnessed checkpoints as the ledger grows; a tampered ledger the witness refuses;
// a receipt that verifies offline and fails with the amount changed. Both engines.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { witnessOnce } from '../../../src/cli/commands/witness.js';
import { canonicalBytes } from '../../../src/ledger/canonical.js';
import { Decimal } from 'decimal.js';
import { postEntries, readEntries } from '../../../src/ledger/index.js';
import { toCanonical } from '../../../src/ledger/model.js';
import {
  leafHash,
  memoryReader,
  parseReceipt,
  rootAt,
  verifierKeyString,
  verifyConsistency,
  verifyInclusion,
  WitnessRefusal,
} from '../../../src/ledger/transparency/offline.js';
import { extendTo, storedRoot } from '../../../src/ledger/transparency/index.js';
import { verifyReceipt } from '../../../src/verify/transparency.js';
import { transparencyApp } from './harness.js';

type Harness = Awaited<ReturnType<typeof transparencyApp>>;
let h: Harness;

beforeAll(async () => {
  h = await transparencyApp();
}, 60_000);
afterAll(async () => h?.close());

async function jsLeaves() {
  const entries = await readEntries(h.ctx, { limit: 10_000 });
  return entries.map((e) => leafHash(canonicalBytes(toCanonical(e))));
}

const witness = (i: number, state = join(h.dir, `state-${i}.json`)) =>
  witnessOnce({
    url: 'http://reserve.test',
    apiKey: h.auditor,
    key: h.keyFiles[i]!,
    state,
    logKey: h.logKey,
    fetch: h.fetchApp,
  });

describe('the tree kept by the database', () => {
  it('holds exactly the RFC 6962 leaves and roots of the entries, and serves proofs that verify', async () => {
    await h.append(36);
    // One entry in fiat with a price and a cost, so every canonical field shape becomes a leaf.
    await postEntries({
      ctx: h.ctx,
      input: [
        {
          kind: 'energy.consumed',
          description: 'Energy, November: 1520.50 BYN',
          occurredAt: new Date('2026-11-30T23:59:59.999Z'),
          source: { type: 'production_report', id: 'rep_7' },
          postings: [
            {
              account: 'Expenses:Energy:hydro-1',
              commodity: 'BYN',
              amount: new Decimal('1520.50'),
              price: { amount: new Decimal('0.3'), commodity: 'USD' },
              cost: { amount: new Decimal('456.15'), commodity: 'USD' },
            },
            { account: 'Liabilities:Energy:belenergo', commodity: 'BYN', amount: new Decimal('-1520.50') },
          ],
        },
      ],
    });
    expect(await extendTo(h.database.db, 37)).toBe(37);
    const leaves = await jsLeaves();
    const read = memoryReader(leaves);
    for (let n = 1; n <= 37; n++)
      expect((await storedRoot(h.database.db, n)).toString('hex')).toBe(Buffer.from(rootAt(read, n)).toString('hex'));
    for (const [seq, size] of [
      [1, 1],
      [5, 37],
      [37, 37],
      [16, 20],
    ] as const) {
      const r = await h.get(`/v1/transparency/proof/inclusion?seq=${seq}&size=${size}`);
      expect(r.status).toBe(200);
      const p = JSON.parse(r.text);
      expect(p.leaf_index).toBe(String(seq - 1));
      expect(p.leaf_hash).toBe(leaves[seq - 1]!.toString('hex'));
      verifyInclusion(
        leaves[seq - 1]!,
        seq - 1,
        size,
        p.hashes.map((x: string) => Buffer.from(x, 'hex')),
        rootAt(read, size),
      );
    }
    const c = JSON.parse((await h.get('/v1/transparency/proof/consistency?from=13&to=37')).text);
    verifyConsistency(
      13,
      37,
      c.hashes.map((x: string) => Buffer.from(x, 'hex')),
      rootAt(read, 13),
      rootAt(read, 37),
    );
    expect((await h.get('/v1/transparency/proof/inclusion?seq=38&size=37')).status).toBe(422);
    expect((await h.get('/v1/transparency/proof/inclusion?seq=1&size=99')).status).toBe(422);
    expect((await h.get('/v1/transparency/proof/inclusion?seq=1&size=1', h.admin)).status).toBe(200);
  });

  it('serves the tree as tlog-tiles: the hashes of a level, 32 bytes each, only as far as the tree goes', async () => {
    const leaves = await jsLeaves();
    const tile = await h.app.request('/v1/transparency/tile/0/000.p/37', {
      headers: { authorization: `Bearer ${h.auditor}` },
    });
    expect(tile.status).toBe(200);
    expect(tile.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await tile.arrayBuffer())).toEqual(Buffer.concat(leaves.slice(0, 37)));
    const first5 = await h.app.request('/v1/transparency/tile/0/000.p/5', {
      headers: { authorization: `Bearer ${h.auditor}` },
    });
    expect(Buffer.from(await first5.arrayBuffer())).toEqual(Buffer.concat(leaves.slice(0, 5)));
    // The entry bundle: 16-bit lengths and canonical bytes, whose leaf hashes are the tree's leaves.
    const bundle = await h.app.request('/v1/transparency/tile/entries/000.p/37', {
      headers: { authorization: `Bearer ${h.auditor}` },
    });
    const bytes = Buffer.from(await bundle.arrayBuffer());
    const found: Buffer[] = [];
    for (let at = 0; at < bytes.length; ) {
      const length = bytes.readUInt16BE(at);
      found.push(leafHash(bytes.subarray(at + 2, at + 2 + length)));
      at += 2 + length;
    }
    expect(found).toEqual(leaves.slice(0, 37));
    expect((await h.get('/v1/transparency/tile/entries/000')).status).toBe(404);
    expect((await h.get('/v1/transparency/tile/0/000')).status).toBe(404); // not a full tile yet
    expect((await h.get('/v1/transparency/tile/0/000.p/38')).status).toBe(404);
    expect((await h.get('/v1/transparency/tile/0/1')).status).toBe(422);
    expect((await h.app.request('/v1/transparency/tile/0/000.p/5')).status).toBe(401);
  });

  it('refuses updates and deletes of nodes, and a checkpoint the tree does not give', async () => {
    await expect(h.exec(sql`delete from transparency_nodes where level = 0 and idx = 0`)).rejects.toThrow();
    await expect(h.exec(sql`update transparency_head set size = 1`)).rejects.toThrow();
    await expect(
      h.exec(sql`insert into transparency_checkpoints (size, root, body, signature)
        values (5, ${Buffer.alloc(32)}, ${'x\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n'}, 'sig')`),
    ).rejects.toThrow();
  });
});

describe('checkpoints and witnesses', () => {
  it('a witness cosigns three checkpoints as the ledger grows; the checkpoint shows who cosigned', async () => {
    const sizes: number[] = [];
    for (const grow of [3, 10, 1]) {
      await h.append(grow);
      const made = await h.post('/v1/transparency/checkpoints', {});
      expect(made.status, made.text).toBe(200);
      const result = await witness(0);
      expect(result.outcome).toBe('cosigned');
      sizes.push(result.size);
      const note = (await h.get('/v1/transparency/checkpoint')).text;
      expect(note).toContain(`\n${result.size}\n`);
      expect(note).toContain('\u2014 witness-1.example ');
    }
    expect(sizes).toEqual([40, 50, 51]);
    const state = JSON.parse(readFileSync(join(h.dir, 'state-0.json'), 'utf8'));
    expect(state.size).toBe(51);
    const tree = JSON.parse((await h.get('/v1/transparency/tree')).text);
    expect(tree.checkpoint_cosigned_by).toEqual([
      `witness-1.example+${h.witnesses[0]!.id.toString(16).padStart(8, '0')}`,
    ]);
    expect(tree.quorum).toBe(1);
    // Nothing new: the same checkpoint is returned, not a second one of the same size.
    const again = JSON.parse((await h.post('/v1/transparency/checkpoints', {})).text);
    expect(again.created).toBe(false);
  });

  it('refuses a cosignature by an unknown key or one that does not verify', async () => {
    const note = (await h.get('/v1/transparency/checkpoint')).text;
    const body = note.slice(0, note.indexOf('\n\n') + 1);
    expect((await h.post('/v1/transparency/cosignatures', { note: `${body}\n` }, h.auditor)).status).toBe(422);
    const forged = note.replace(
      /(\u2014 witness-1\.example \S{20})(\S)/,
      (_m, prefix, char) => `${prefix}${char === 'A' ? 'B' : 'A'}`,
    );
    expect((await h.post('/v1/transparency/cosignatures', { note: forged }, h.auditor)).status).toBe(422);
  });

  it('a receipt verifies offline with the published keys, and fails when the amount is changed', async () => {
    await h.append(1, 'payout.received');
    expect((await h.post('/v1/transparency/checkpoints', {})).status).toBe(200);
    await witness(0);
    await witness(1, join(h.dir, 'state-1-receipt.json'));
    const r = await h.get('/v1/ledger/entries/52/receipt');
    expect(r.status, r.text).toBe(200);
    const policy = { logKey: h.logKey, witnessKeys: h.witnesses.map(verifierKeyString), quorum: 2 };
    const ok = verifyReceipt(r.text, policy);
    expect(ok.entry.kind).toBe('payout.received');
    expect(ok.tree_size).toBe(52);
    expect(ok.cosigned_by).toHaveLength(2);

    const receipt = parseReceipt(r.text);
    const entry = JSON.parse(receipt.extra!.toString('utf8'));
    entry.postings[0].amount = String(BigInt(entry.postings[0].amount) + 1n);
    entry.postings[1].amount = String(BigInt(entry.postings[1].amount) - 1n);
    const changed = r.text.replace(
      receipt.extra!.toString('base64'),
      Buffer.from(JSON.stringify(entry)).toString('base64'),
    );
    expect(() => verifyReceipt(changed, policy)).toThrow(/hash|inclusion/);
    expect(() =>
      verifyReceipt(r.text, { ...policy, quorum: 2, witnessKeys: [verifierKeyString(h.witnesses[0]!)] }),
    ).toThrow(/quorum|more than/);
    expect(() => verifyReceipt(r.text, { logKey: verifierKeyString(h.witnesses[0]!) })).toThrow(
      /not an Ed25519 note key/,
    );
    expect((await h.get('/v1/ledger/entries/999/receipt')).status).toBe(404);
  });

  it('a ledger rewritten with the guards off and its tree recomputed: the database refuses to checkpoint it, and once its checkpoints are wiped too the witness refuses', async () => {
    const stateFile = join(h.dir, 'state-0.json');
    const before = readFileSync(stateFile, 'utf8');
    await h.exec(sql`alter table ledger_entries disable trigger ledger_entries_append_only`);
    await h.exec(sql`update ledger_entries set description = 'rewritten' where seq = 7`);
    await h.exec(sql`alter table transparency_nodes disable trigger transparency_nodes_append_only`);
    await h.exec(sql`alter table transparency_head disable trigger transparency_head_guard`);
    await h.exec(sql`delete from transparency_nodes`);
    await h.exec(sql`update transparency_head set size = 0`);
    await h.append(2);
    const refused = await h.post('/v1/transparency/checkpoints', {});
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('transparency_checkpoint_consistent');

    await h.exec(sql`alter table transparency_checkpoints disable trigger transparency_checkpoints_append_only`);
    await h.exec(sql`alter table transparency_cosignatures disable trigger transparency_cosignatures_append_only`);
    await h.exec(sql`delete from transparency_cosignatures`);
    await h.exec(sql`delete from transparency_checkpoints`);
    const forked = await h.post('/v1/transparency/checkpoints', {});
    expect(forked.status, forked.text).toBe(200);
    await expect(witness(0)).rejects.toBeInstanceOf(WitnessRefusal);
    await expect(witness(0)).rejects.toThrow(/not consistent with checkpoint 52/);
    expect(readFileSync(stateFile, 'utf8')).toBe(before);
    // A witness meeting the log for the first time has nothing to compare: trust on first use.
    const fresh = join(h.dir, 'state-fresh.json');
    expect(existsSync(fresh)).toBe(false);
    expect((await witness(1, fresh)).outcome).toBe('cosigned');
  });
});
