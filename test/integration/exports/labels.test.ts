// issue 13, finding 6: BIP-329 labels mark spendable coins spendable (Sparrow freezes a coin on
// `spendable: false`), leave the orphaned coin out, are readable by officers (Sparrow's users),
// and `reserve labels import` reads a wallet's edited export back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importLabels, LabelFileError, parseLabelFile } from '../../../src/exports/labels-import.js';
import { RegtestChain } from '../../support/chain.js';
import { blockDisconnected, payoutReceived } from '../../support/webhook.js';
import { createFleetApp, type FleetApp } from '../payouts/fixture.js';

let t: FleetApp;
const txids: string[] = [];

beforeAll(async () => {
  t = await createFleetApp();
  const chain = RegtestChain.fromGenesis();
  const payTo = (h: number) => [{ script: t.addresses[h]!.script, valueSat: 312_500_000n + BigInt(h) }];
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
        amount_sat: String(312_500_000n + BigInt(i + 1)),
        coinbase: true,
        block_height: i + 1,
        block_hash: blocks[i]!.hash,
        raw_tx_hex: cb.toHex(),
      }),
    );
    expect(sent.status, sent.text).toBe(200);
    txids.push(cb.getId());
  }
  await t.connect(blocks);
  // Block 2 is replaced by a heavier branch (the disconnect event is advisory): its coinbase is orphaned.
  expect((await t.send(blockDisconnected(2, blocks[1]!.hash))).status).toBe(200);
  await t.connect(chain.fork(blocks[0]!).mineMany(2, () => ({ tag: 'heavier' })));
});
afterAll(async () => t?.close());

const records = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('GET /v1/exports/labels', () => {
  it('marks held coins spendable, leaves the orphaned coin out, and officers may read it', async () => {
    const res = await t.request('GET', '/v1/exports/labels', { key: t.keys.officer });
    expect(res.status, res.text).toBe(200);
    const outputs = records(res.text).filter((r) => r.type === 'output');
    expect(outputs.map((o) => o.ref)).toEqual([`${txids[0]}:0`]);
    expect(outputs[0]).toMatchObject({ spendable: true, label: expect.stringContaining('status: immature') });
    expect((await t.request('GET', '/v1/exports/labels/manifest', { key: t.keys.officer })).json).toMatchObject({
      outputs: 1,
    });
    expect((await t.request('GET', '/v1/exports/labels', { key: t.keys.approver })).status).toBe(403);
  });
});

describe('labels import', () => {
  it('reads an edited wallet export back: recognised, relabelled, frozen, unknown, other types', async () => {
    const ours = (await t.request('GET', '/v1/exports/labels', { key: t.keys.auditor })).text;
    const edited = records(ours).map((r) =>
      r.type === 'output' ? { ...r, label: 'held for the Q3 transfer', spendable: false } : r,
    );
    // What Sparrow adds: a transaction label, an origin, and a record of another wallet.
    edited.push({
      type: 'tx',
      ref: txids[0]!,
      label: 'block reward',
      origin: "wsh(sortedmulti(2,[deadbeef/48'/1'/0'/2']))",
    });
    edited.push({ type: 'addr', ref: 'bcrt1qunknownaddressxxxxxxxxxxxxxxxxxxxxxxxx', label: 'not ours' });
    const text = `${edited.map((r) => JSON.stringify(r)).join('\n')}\n`;
    const summary = await importLabels({ ctx: t.ctx(), input: { text } });
    expect(summary).toMatchObject({
      records: edited.length,
      recognised: edited.length - 2,
      frozen: [`${txids[0]}:0`],
      unknown: [{ type: 'addr', ref: 'bcrt1qunknownaddressxxxxxxxxxxxxxxxxxxxxxxxx' }],
      other: 1,
    });
    expect(summary.relabelled).toEqual([
      {
        type: 'output',
        ref: `${txids[0]}:0`,
        reserve: expect.stringContaining('site: dam-1'),
        wallet: 'held for the Q3 transfer',
      },
    ]);
  });

  it('names the bad line of a file that is not BIP-329', () => {
    expect(() => parseLabelFile('{"type":"addr","ref":"x"}\n{"type":"coin","ref":"y"}\n')).toThrow(LabelFileError);
    expect(() => parseLabelFile('{"type":"addr","ref":"x"}\nnot json\n')).toThrow(/line 2: not a JSON object/);
    expect(() => parseLabelFile('{"type":"output","ref":"a:0","spendable":"no"}')).toThrow(/line 1: spendable/);
  });
});
