// issue 13, finding 8: the UTXO export states its totals per state with the orphaned coin apart
// (it summed to more than the reserve held), and `reserve verify` checks UTXO and audit-log exports
// against their manifests: a tampered coin is caught, with or without a recomputed checksum.
import { createHash } from 'node:crypto';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerVerifyCommands } from '../../../src/cli/commands/verify.js';
import { verifyRecordExport } from '../../../src/verify/records.js';
import { VerifyError } from '../../../src/verify/verify.js';
import { RegtestChain } from '../../support/chain.js';
import { blockDisconnected, payoutReceived } from '../../support/webhook.js';
import { createFleetApp, type FleetApp } from '../payouts/fixture.js';
import { scratch } from './support.js';

let t: FleetApp;
let files: ReturnType<typeof scratch>;
const AMOUNT = (h: number) => 312_500_000n + BigInt(h);

beforeAll(async () => {
  t = await createFleetApp();
  files = scratch();
  const chain = RegtestChain.fromGenesis();
  const payTo = (h: number) => [{ script: t.addresses[h]!.script, valueSat: AMOUNT(h) }];
  const blocks = chain.mineMany(2, (h) => ({ payTo: payTo(h) }));
  const coinbases = blocks.map((b) => b.txs[0]!);
  for (const [i, cb] of coinbases.entries()) {
    const sent = await t.send(
      payoutReceived({
        site_id: 'dam-1',
        pool: 'own',
        txid: cb.getId(),
        vout: 0,
        address: t.addresses[i + 1]!.address,
        amount_sat: String(AMOUNT(i + 1)),
        coinbase: true,
        block_height: i + 1,
        block_hash: blocks[i]!.hash,
        raw_tx_hex: cb.toHex(),
      }),
    );
    expect(sent.status, sent.text).toBe(200);
  }
  await t.connect(blocks);
  // Block 2 is replaced by a heavier branch (the disconnect event is advisory): its coinbase is orphaned.
  expect((await t.send(blockDisconnected(2, blocks[1]!.hash))).status).toBe(200);
  await t.connect(chain.fork(blocks[0]!).mineMany(2, () => ({ tag: 'heavier' })));
});
afterAll(async () => {
  files?.cleanup();
  await t?.close();
});

const manifestOf = (text: string) => JSON.parse(text.trimEnd().split('\n').pop()!).manifest;

/** Rewrites the body with fn and, like a careful forger, the manifest's SHA-256 to match. */
function forge(text: string, fn: (body: string) => string): string {
  const lines = text.trimEnd().split('\n');
  const manifest = JSON.parse(lines.pop()!).manifest;
  const body = fn(`${lines.join('\n')}\n`);
  manifest.body_sha256 = createHash('sha256').update(body).digest('hex');
  return `${body}${JSON.stringify({ manifest })}\n`;
}

async function rejected(path: string): Promise<VerifyError> {
  try {
    await verifyRecordExport(path);
  } catch (error) {
    expect(error).toBeInstanceOf(VerifyError);
    return error as VerifyError;
  }
  throw new Error(`${path} verified although it was tampered with`);
}

describe('the UTXO export', () => {
  it('states its totals per state, the held total without the orphaned coin, and verifies offline', async () => {
    const res = await t.request('GET', '/v1/exports/utxos', { key: t.keys.auditor });
    expect(res.status, res.text).toBe(200);
    const manifest = manifestOf(res.text);
    expect(manifest).toMatchObject({
      count: 2,
      held_sat: AMOUNT(1).toString(),
      orphaned_sat: AMOUNT(2).toString(),
      by_status: [
        { status: 'immature', count: 1, amount_sat: AMOUNT(1).toString() },
        { status: 'orphaned', count: 1, amount_sat: AMOUNT(2).toString() },
      ],
    });
    const path = files.write(res.text, 'jsonl');
    expect(await verifyRecordExport(path)).toMatchObject({
      export: 'utxos',
      count: 2,
      held_sat: AMOUNT(1).toString(),
      orphaned_sat: AMOUNT(2).toString(),
    });
  });

  it('a changed amount is caught by the checksum, and with a forged checksum by the totals', async () => {
    const text = (await t.request('GET', '/v1/exports/utxos', { key: t.keys.auditor })).text;
    const bump = (s: string) =>
      s.replace(
        `"amount_sat":"${AMOUNT(1)}","amount_btc":"3.12500001"`,
        `"amount_sat":"${AMOUNT(1) + 1n}","amount_btc":"3.12500002"`,
      );
    expect(bump(text)).not.toBe(text);
    expect((await rejected(files.write(bump(text), 'jsonl'))).reason).toMatch(/body SHA-256/);
    expect((await rejected(files.write(forge(text, bump), 'jsonl'))).reason).toMatch(/the coins sum to 312500002 sat/);
    const relabel = (s: string) => s.replace('"status":"orphaned"', '"status":"available"');
    expect((await rejected(files.write(forge(text, relabel), 'jsonl'))).reason).toMatch(/sum to|status/);
    const dropped = (s: string) => s.split('\n').slice(1).join('\n');
    expect((await rejected(files.write(forge(text, dropped), 'jsonl'))).reason).toMatch(/1 coins, the manifest says 2/);
  });
});

describe('the audit-log export', () => {
  it('verifies offline; a removed or reordered row is caught', async () => {
    const res = await t.request('GET', '/v1/exports/audit-log', { key: t.keys.auditor });
    expect(res.status).toBe(200);
    const summary = await verifyRecordExport(files.write(res.text, 'jsonl'));
    expect(summary.export).toBe('audit-log');
    expect(summary.count).toBe(manifestOf(res.text).count);
    expect(summary.count).toBeGreaterThan(0);
    const swap = (s: string) => {
      const lines = s.trimEnd().split('\n');
      [lines[0], lines[1]] = [lines[1]!, lines[0]!];
      return `${lines.join('\n')}\n`;
    };
    if (summary.count >= 2)
      expect((await rejected(files.write(forge(res.text, swap), 'jsonl'))).reason).toMatch(/does not follow/);
    const drop = (s: string) => s.split('\n').slice(1).join('\n');
    expect((await rejected(files.write(forge(res.text, drop), 'jsonl'))).reason).toMatch(/rows/);
  });
});

describe('reserve verify FILE on each kind of export', () => {
  async function cli(path: string): Promise<{ code: number | undefined; out: string }> {
    const out: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(line));
    const err = vi.spyOn(console, 'error').mockImplementation((line: string) => void out.push(line));
    process.exitCode = undefined;
    try {
      const program = new Command().exitOverride();
      registerVerifyCommands(program);
      await program.parseAsync(['node', 'reserve', 'verify', '--no-progress', path]);
      return { code: process.exitCode as number | undefined, out: out.join('\n') };
    } finally {
      log.mockRestore();
      err.mockRestore();
      process.exitCode = undefined;
    }
  }

  it('utxos, audit-log and ledger exports verify; a tampered UTXO export exits 1', async () => {
    for (const [route, kind] of [
      ['/v1/exports/utxos', 'utxos export verified'],
      ['/v1/exports/audit-log', 'audit-log export verified'],
      ['/v1/exports/ledger?format=jsonl', 'ledger export verified (jsonl)'],
    ] as const) {
      const text = (await t.request('GET', route, { key: t.keys.auditor })).text;
      const result = await cli(files.write(text, 'jsonl'));
      expect(result.out).toContain(kind);
      expect(result.code).toBe(0);
    }
    const text = (await t.request('GET', '/v1/exports/utxos', { key: t.keys.auditor })).text;
    const tampered = await cli(files.write(text.replace(`"amount_sat":"${AMOUNT(1)}"`, '"amount_sat":"1"'), 'jsonl'));
    expect(tampered.code).toBe(1);
    expect(tampered.out).toMatch(/^FAILED .*line 1: amount_btc 3\.12500001 is not 0\.00000001/m);
  });
});
