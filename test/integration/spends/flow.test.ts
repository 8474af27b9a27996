import { Transaction as ScureTransaction } from '@scure/btc-signer';
import { Transaction } from 'bitcoinjs-lib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { signWithBitcoinjs, signWithScure, verifyFinalWithScure } from '../../unit/spends/fixtures.js';
import { createSpendsApp, EXTERNAL, SIGNERS, type SpendsApp } from './fixture.js';

// End to end through the HTTP API: proposals on the three kinds of vault, approvals by distinct approvers,
// cosigners signing separately with bitcoinjs-lib and @scure/btc-signer, uploads one at a time in any
// order (one twice), finalisation, the raw transaction, the broadcast report.

let t: SpendsApp;
beforeAll(async () => {
  t = await createSpendsApp();
  await t.mine(1);
});
afterAll(async () => t?.close());

async function approveAll(id: string, digest: string, count: number) {
  for (let i = 0; i < count; i++) {
    const r = await t.request('POST', `/v1/spends/${id}/approvals`, {
      key: t.approvers[i],
      body: { decision: 'approve', digest },
    });
    expect(r.status, r.text).toBe(200);
  }
}

/** Signs with each listed signer (bitcoinjs-lib for even positions, @scure/btc-signer for odd) and uploads in that order. */
async function signAndUpload(id: string, policyId: string, order: number[], opts: { twice?: boolean } = {}) {
  const base = await t.psbtOf(id);
  let last: Awaited<ReturnType<SpendsApp['upload']>> | undefined;
  for (const [step, s] of order.entries()) {
    const signer = SIGNERS[policyId]![s]!;
    const signed = step % 2 === 0 ? signWithBitcoinjs(base, signer) : signWithScure(base, signer);
    last = await t.upload(id, signed, step % 2 === 1);
    expect(last.status, last.text).toBe(200);
    if (opts.twice && step === 0) {
      const again = await t.upload(id, signed);
      expect(again.status).toBe(200);
      expect(again.json.uploads).toBe(1);
    }
    expect(last.json.signatures.every((p: { signed_by: string[] }) => p.signed_by.length === step + 1)).toBe(true);
  }
  return last!;
}

async function checkFinal(
  id: string,
  proposed: { txid: string; fee_sat: string; vsize: number; inputs: { amount_sat: string }[] },
) {
  const r = await t.request('GET', `/v1/spends/${id}/transaction`, { key: t.keys.officer });
  expect(r.status, r.text).toBe(200);
  const tx = Transaction.fromHex(r.json.raw_tx_hex);
  expect(tx.getId()).toBe(proposed.txid);
  const inSum = proposed.inputs.reduce((s, i) => s + BigInt(i.amount_sat), 0n);
  expect((inSum - tx.outs.reduce((s, o) => s + o.value, 0n)).toString()).toBe(proposed.fee_sat);
  expect(tx.virtualSize()).toBe(proposed.vsize);
  expect(ScureTransaction.fromRaw(tx.toBuffer(), { allowUnknownOutputs: true }).vsize).toBe(proposed.vsize);
  const m = tx.ins[0]!.witness.length - 2;
  expect(verifyFinalWithScure(tx.toBuffer(), await t.psbtOf(id))).toBe(tx.ins.length * m);
  return tx;
}

describe('2-of-3 P2SH-P2WSH (regtest-warm) to the cold vault', () => {
  it('proposes, approves, collects signatures from two implementations, finalises, reports broadcast', async () => {
    await t.fund('regtest-warm', [200_000_000n, 150_000_000n, 30_000_000n]);
    const p = await t.request('POST', '/v1/spends', {
      key: t.keys.officer,
      body: {
        policy_id: 'regtest-warm',
        outputs: [{ policy_id: 'regtest-cold', amount_btc: '2.5', label: 'to cold' }],
        fee_rate_sat_vb: 5,
        purpose: 'rebalance',
      },
    });
    expect(p.status, p.text).toBe(201);
    expect(p.json.state).toBe('proposed');
    expect(p.json.id).toMatch(/^spd_/);
    expect(p.json.inputs.map((i: { amount_sat: string }) => i.amount_sat)).toEqual(['200000000', '150000000']);
    expect(p.json.outputs[0]).toMatchObject({
      kind: 'vault',
      policy_id: 'regtest-cold',
      amount_sat: '250000000',
      label: 'to cold',
    });
    expect(p.json.change).not.toBeNull();
    expect(p.json.unsigned_txid).not.toBe(p.json.txid); // P2SH-P2WSH: the scriptSig is in the txid
    const early = await t.upload(p.json.id, signWithBitcoinjs(await t.psbtOf(p.json.id), SIGNERS['regtest-warm']![0]!));
    expect(early.status).toBe(409); // signatures only once approved
    await approveAll(p.json.id, p.json.digest, 2);
    const signed = await signAndUpload(p.json.id, 'regtest-warm', [2, 0], { twice: true });
    expect(signed.json.state).toBe('signed');
    await checkFinal(p.json.id, p.json);
    const b = await t.request('POST', `/v1/spends/${p.json.id}/broadcast`, { key: t.keys.officer });
    expect(b.status, b.text).toBe(200);
    expect(b.json.state).toBe('broadcast');
  });
});

describe('3-of-5 P2WSH (regtest-five) to an external address', () => {
  it('three cosigners in an arbitrary order; the raw transaction waits for the delay', async () => {
    await t.fund('regtest-five', [100_000_000n, 60_000_000n, 50_000_000n]);
    const p = await t.request('POST', '/v1/spends', {
      key: t.keys.officer,
      body: {
        policy_id: 'regtest-five',
        outputs: [{ address: EXTERNAL, amount_sat: '120000000' }],
        fee_rate_sat_vb: '2.5',
        purpose: 'grid payment',
      },
    });
    expect(p.status, p.text).toBe(201);
    expect(p.json.fee_rate_sat_vb).toBe('2.5');
    await approveAll(p.json.id, p.json.digest, 2);
    const signed = await signAndUpload(p.json.id, 'regtest-five', [4, 1, 3]);
    expect(signed.json.state).toBe('signed');
    const early = await t.request('GET', `/v1/spends/${p.json.id}/transaction`, { key: t.keys.officer });
    expect(early.status).toBe(409);
    expect(early.json.rule).toBe('delay');
  });
});

describe('2-of-3 P2WSH (regtest-cold) to the warm vault', () => {
  it('three approvals, two cosigners (scure first), the raw transaction after the 48-hour delay', async () => {
    await t.fund('regtest-cold', [500_000_000n, 120_000_000n]);
    const p = await t.request('POST', '/v1/spends', {
      key: t.keys.officer,
      body: {
        policy_id: 'regtest-cold',
        outputs: [{ policy_id: 'regtest-warm', amount_btc: '1', label: 'top up warm' }],
        fee_rate_sat_vb: 3,
        purpose: 'top up',
      },
    });
    expect(p.status, p.text).toBe(201);
    expect(p.json.inputs).toHaveLength(1);
    expect(p.json.inputs[0].amount_sat).toBe('120000000'); // the smallest coin that covers it: least change
    expect(p.json.unsigned_txid).toBe(p.json.txid);
    await approveAll(p.json.id, p.json.digest, 2);
    expect((await t.request('GET', `/v1/spends/${p.json.id}`, { key: t.keys.auditor })).json.state).toBe('proposed');
    const third = await t.request('POST', `/v1/spends/${p.json.id}/approvals`, {
      key: t.approvers[2],
      body: { decision: 'approve', digest: p.json.digest },
    });
    expect(third.status, third.text).toBe(200);
    const now = await t.request('GET', `/v1/spends/${p.json.id}`, { key: t.keys.auditor });
    expect(now.json.state).toBe('approved');
    expect(now.json.approvals.filter((a: { decision: string }) => a.decision === 'approve')).toHaveLength(3);
    const signed = await signAndUpload(p.json.id, 'regtest-cold', [1, 2]);
    expect(signed.json.state).toBe('signed');
    expect((await t.request('GET', `/v1/spends/${p.json.id}/transaction`, { key: t.keys.officer })).json.rule).toBe(
      'delay',
    );
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 49 * 3_600_000);
      await checkFinal(p.json.id, p.json);
    } finally {
      vi.useRealTimers();
    }
  });
});
