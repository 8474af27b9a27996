// The command line, as an auditor and a ministry run it: `reserve verify FILE --log-key ...`
// rebuilds an export's tree against its signed checkpoint; `reserve verify receipt` and
// `reserve verify consistency` check offline; `reserve witness` cosigns over HTTP and exits 1 on
// a checkpoint inconsistent with what it saw. Real processes, a real HTTP listener. Both engines.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifierKeyString } from '../../../src/ledger/transparency/offline.js';
import { CLI_ENTRY } from '../../e2e/process.js';
import { transparencyApp } from './harness.js';

let h: Awaited<ReturnType<typeof transparencyApp>>;
let server: ServerType;
let url: string;
const root = new URL('../../..', import.meta.url).pathname;

beforeAll(async () => {
  h = await transparencyApp({ witnesses: 2, quorum: 2 });
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: h.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}, 60_000);
afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await h?.close();
});

/** Runs `reserve ...` (the compiled CLI) without blocking the event loop that serves it. */
function reserve(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_ENTRY, ...args], { cwd: root, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const trust = () => [
  '--log-key',
  h.logKey,
  ...h.witnesses.flatMap((w) => ['--witness-key', verifierKeyString(w)]),
  '--quorum',
  '2',
];

describe('reserve witness and reserve verify, as processes', () => {
  it('two witnesses cosign; the export, a receipt and two checkpoints verify offline; tampering fails', async () => {
    await h.append(9);
    expect((await h.post('/v1/transparency/checkpoints', {})).status).toBe(200);
    const witness = (i: number) =>
      reserve(
        [
          'witness',
          '--url',
          url,
          '--key',
          h.keyFiles[i]!,
          '--state',
          join(h.dir, `cli-state-${i}.json`),
          '--log-key',
          h.logKey,
        ],
        { ...process.env, RESERVE_API_KEY: h.auditor },
      );
    for (const i of [0, 1]) {
      const w = await witness(i);
      expect(w.status, w.stderr).toBe(0);
      expect(w.stdout).toMatch(/cosigned checkpoint 9 \(first contact\)/);
    }
    const oldCheckpoint = join(h.dir, 'old.checkpoint');
    writeFileSync(oldCheckpoint, (await h.get('/v1/transparency/checkpoint')).text);

    await h.append(4);
    expect((await h.post('/v1/transparency/checkpoints', {})).status).toBe(200);
    for (const i of [0, 1]) {
      const w = await witness(i);
      expect(w.stdout, w.stderr).toMatch(/cosigned checkpoint 13, consistent with 9/);
    }

    const exportFile = join(h.dir, 'ledger.jsonl');
    writeFileSync(exportFile, (await h.get('/v1/exports/ledger?format=jsonl')).text);
    const verified = await reserve(['verify', exportFile, ...trust()]);
    expect(verified.status, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(
      /checkpoint 13: signed by the log key, consistent with the tree, cosigned by witness-1/,
    );
    const unsigned = await reserve(['verify', exportFile, '--log-key', verifierKeyString(h.witnesses[0]!)]);
    expect(unsigned.status).toBe(1);

    const receiptFile = join(h.dir, 'entry-5.tlog-proof');
    writeFileSync(receiptFile, (await h.get('/v1/ledger/entries/5/receipt')).text);
    const receipt = await reserve(['verify', 'receipt', receiptFile, ...trust()]);
    expect(receipt.status, receipt.stderr).toBe(0);
    expect(receipt.stdout).toMatch(/entry 5 is leaf 4 of the log's tree of 9/);
    const text = readFileSync(receiptFile, 'utf8');
    const extra = /^extra (.*)$/m.exec(text)![1]!;
    const changed = Buffer.from(extra, 'base64')
      .toString('utf8')
      .replace('"amount":"1005"', '"amount":"1006"')
      .replace('"amount":"-1005"', '"amount":"-1006"');
    writeFileSync(receiptFile, text.replace(extra, Buffer.from(changed).toString('base64')));
    const refused = await reserve(['verify', 'receipt', receiptFile, ...trust()]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/FAILED/);

    const newCheckpoint = join(h.dir, 'new.checkpoint');
    writeFileSync(newCheckpoint, (await h.get('/v1/transparency/checkpoint')).text);
    const proofFile = join(h.dir, 'proof.json');
    writeFileSync(proofFile, (await h.get('/v1/transparency/proof/consistency?from=9&to=13')).text);
    const consistent = await reserve([
      'verify',
      'consistency',
      oldCheckpoint,
      newCheckpoint,
      '--proof',
      proofFile,
      ...trust(),
    ]);
    expect(consistent.status, consistent.stderr).toBe(0);
    expect(consistent.stdout).toMatch(/checkpoint 13 extends checkpoint 9/);
    const backwards = await reserve([
      'verify',
      'consistency',
      newCheckpoint,
      oldCheckpoint,
      '--proof',
      proofFile,
      ...trust(),
    ]);
    expect(backwards.status).toBe(1);
  }, 300_000);

  it('the witness exits 1 on a rewritten ledger and keeps its state', async () => {
    const state = join(h.dir, 'cli-state-0.json');
    const before = readFileSync(state, 'utf8');
    for (const statement of [
      sql`alter table ledger_entries disable trigger ledger_entries_append_only`,
      sql`update ledger_entries set description = 'rewritten' where seq = 2`,
      sql`alter table transparency_nodes disable trigger transparency_nodes_append_only`,
      sql`alter table transparency_head disable trigger transparency_head_guard`,
      sql`alter table transparency_checkpoints disable trigger transparency_checkpoints_append_only`,
      sql`alter table transparency_cosignatures disable trigger transparency_cosignatures_append_only`,
      sql`delete from transparency_cosignatures`,
      sql`delete from transparency_checkpoints`,
      sql`delete from transparency_nodes`,
      sql`update transparency_head set size = 0`,
    ])
      await h.exec(statement);
    await h.append(1);
    expect((await h.post('/v1/transparency/checkpoints', {})).status).toBe(200);
    const w = await reserve(
      ['witness', '--url', url, '--key', h.keyFiles[0]!, '--state', state, '--log-key', h.logKey],
      { ...process.env, RESERVE_API_KEY: h.auditor },
    );
    expect(w.status).toBe(1);
    expect(w.stderr).toMatch(/REFUSED: checkpoint 14 is not consistent with checkpoint 13/);
    expect(readFileSync(state, 'utf8')).toBe(before);
  }, 60_000);
});
