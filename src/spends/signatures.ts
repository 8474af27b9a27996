import { createHash } from 'node:crypto';
import { Transaction } from 'bitcoinjs-lib';
import { spendUploads } from '../../db/schema/spends.js';
import { audit } from '../audit/index.js';
import { type Ctx, type Verb, withTransaction } from '../context.js';
import { finalise } from '../custody/index.js';
import { inputContexts, type SpendInputContext } from '../custody/index.js';
import { isComplete, progressOf, readSignatures, SignatureRefusal, unionOf } from '../custody/index.js';
import { getPolicy, policyWallet } from '../policies/index.js';
import { ruleRefusal, stateConflict } from './model.js';
import { lockSpend, type SpendRecord, setState } from './store.js';

// POST /v1/spends/:id/signatures: a PSBT a signer returned. Accepted once the quorum approved. Every
// signature is checked (custody/signatures.ts); the PSBT is kept whole; progress is recomputed from the
// union of every PSBT kept, never from deltas. When every input holds the threshold, the spend is
// finalised, checked, and its raw transaction kept.

export const MAX_PSBT_BYTES = 4 * 1024 * 1024;

/** The spend's transaction and its inputs' scripts, rebuilt from what was stored. */
export async function spendContexts(
  ctx: Ctx,
  record: SpendRecord,
): Promise<{ unsigned: Transaction; contexts: SpendInputContext[] }> {
  const policy = await getPolicy(ctx, record.spend.policyId);
  const coins = record.inputs.map((i) => ({
    txid: i.txid,
    vout: Number(i.vout),
    valueSat: i.amountSat,
    address: i.address,
    chain: i.chain as 0 | 1,
    index: i.index,
  }));
  return {
    unsigned: Transaction.fromHex(record.spend.unsignedTxHex),
    contexts: inputContexts(policyWallet(policy), coins),
  };
}

function refusal(error: unknown) {
  if (!(error instanceof SignatureRefusal)) return error;
  return ruleRefusal(error.code, error.message, error.input !== undefined ? { input: error.input } : {}, 'psbt');
}

export async function submitSignatures({
  ctx,
  input,
}: Verb<{ id: string; psbt: Uint8Array }>): Promise<{ record: SpendRecord; changed: boolean }> {
  return withTransaction(ctx, async (tx) => {
    const record = await lockSpend(tx, input.id);
    const { spend } = record;
    const sha256 = createHash('sha256').update(input.psbt).digest('hex');
    if (record.uploads.some((u) => u.sha256 === sha256)) return { record, changed: false };
    if (spend.state !== 'approved')
      throw stateConflict(
        'state',
        `spend ${spend.id} is ${spend.state}; signatures are taken once it is approved and until it is signed`,
        { state: spend.state },
      );
    const { unsigned, contexts } = await spendContexts({ ...ctx, tx }, record);
    let found: ReturnType<typeof readSignatures>;
    try {
      found = readSignatures(unsigned, contexts, input.psbt);
    } catch (error) {
      throw refusal(error);
    }
    if (found.length === 0) throw ruleRefusal('no_signatures', 'the PSBT carries no signature', {}, 'psbt');
    // The union of every PSBT kept, read again from the PSBTs themselves.
    const kept = record.uploads.map((u) => readSignatures(unsigned, contexts, Buffer.from(u.psbtBase64, 'base64')));
    const before = progressOf(contexts, unionOf(kept));
    const union = unionOf([...kept, found]);
    const progress = progressOf(contexts, union);
    const grew = progress.some((p, i) => p.signed_by.length > before[i]!.signed_by.length);
    if (!grew) return { record, changed: false };
    await tx.insert(spendUploads).values({
      spendId: spend.id,
      sha256,
      psbtBase64: Buffer.from(input.psbt).toString('base64'),
      uploadedBy: ctx.actor.keyId ?? ctx.actor.role,
      signatures: found.map((s) => ({
        input: s.input,
        pubkey: Buffer.from(s.pubkey).toString('hex'),
        fingerprint: s.fingerprint,
      })),
    });
    await audit(tx, ctx, {
      action: 'spends.signatures',
      target: spend.id,
      details: { sha256, signatures: found.length, fingerprints: [...new Set(found.map((s) => s.fingerprint))] },
    });
    if (isComplete(progress)) {
      const final = finalise(unsigned, contexts, union);
      if (final.txid !== spend.txid) throw new Error(`finalised ${final.txid}, not the predicted ${spend.txid}`);
      await setState(tx, spend.id, 'signed', { finalTxHex: final.hex, finalVsize: final.vsize, signedAt: new Date() });
      await audit(tx, ctx, {
        action: 'spends.signed',
        target: spend.id,
        details: { txid: final.txid, vsize: final.vsize, predicted_vsize: spend.vsize },
      });
    }
    return { record: await lockSpend(tx, spend.id), changed: true };
  });
}
