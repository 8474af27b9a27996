import { outputScriptOf } from '../bitcoin/address.js';
import type { NetworkName } from '../bitcoin/networks.js';
import { getTip } from '../chain/index.js';
import { lockCoins } from '../coins/index.js';
import { type Ctx, inTx, type Verb, withTransaction } from '../context.js';
import { type ChangeAddress, composeSpend, type Destination, selectionParams } from '../custody/index.js';
import type { MultisigWallet } from '../custody/index.js';
import { fundWith, SelectionError } from '../custody/index.js';
import { checkFeeRules, dustLimitSat } from '../custody/index.js';
import { validationError } from '../http/env.js';
import { newId } from '../ids.js';
import { DISBURSEMENTS } from '../ledger/index.js';
import { formatBtc } from '../money/btc.js';
import {
  documentOf,
  getPolicy,
  issueAddress,
  issueChangeAddress,
  policyWallet,
  resolveAddress,
} from '../policies/index.js';
import { type Candidate, knownPrevTxs, namedCoins, selectFromVault } from './coin-query.js';
import { expireDue } from './expire.js';
import { fieldProblem, feeRateMsat, outputAmountSat, ProposeSpendInput, ruleRefusal, stateConflict } from './model.js';
import { checkDestinations, checkLimits, rulesOf } from './rules.js';
import { spendSettings } from './settings.js';
import { writeProposal } from './record.js';
import { lockVaultSpending, reusableAddresses, sentSince, type SpendRecord } from './store.js';

// POST /v1/spends: a proposal under the vault's rules. In one transaction, serialised per vault: the
// destinations resolved (a policy_id gets that vault's next receive address), the rules checked, the
// coins chosen (or the named ones checked), the PSBT built, the coins locked through the coins door.

const HOUR_MS = 3_600_000;

export interface ResolvedOutput extends Destination {
  kind: 'external' | 'vault';
  destPolicyId: string | null;
  /** Its address was issued for this spend (a `policy_id` output). */
  issued: boolean;
}

async function resolveOutputs(
  ctx: Ctx,
  spendId: string,
  network: NetworkName,
  input: ProposeSpendInput,
): Promise<ResolvedOutput[]> {
  const out: ResolvedOutput[] = [];
  const taken = new Set<string>();
  for (const [i, o] of input.outputs.entries()) {
    const valueSat = outputAmountSat(o, `outputs.${i}.${o.amount_sat !== undefined ? 'amount_sat' : 'amount_btc'}`);
    const label = o.label ?? null;
    if (o.policy_id !== undefined) {
      const dest = await getPolicy(ctx, o.policy_id).catch(() => {
        throw fieldProblem(`outputs.${i}.policy_id`, `policy ${o.policy_id} does not exist`);
      });
      if (dest.network !== network)
        throw fieldProblem(`outputs.${i}.policy_id`, `policy ${dest.id} is on ${dest.network}, not ${network}`);
      const issued = await issueAddress({
        ctx,
        input: {
          policyId: dest.id,
          label: `${spendId}:${i}`,
          purpose: `spend ${spendId}`,
          reusable: reusableAddresses(dest.id, 'vault', taken),
        },
      });
      const a = issued.address;
      taken.add(a.address);
      out.push({
        address: a.address,
        script: a.scriptPubKey,
        valueSat,
        label,
        kind: 'vault',
        destPolicyId: dest.id,
        issued: true,
      });
      continue;
    }
    const script = outputScriptOf(o.address!, network);
    if (!script) throw fieldProblem(`outputs.${i}.address`, `is not a valid ${network} address`);
    const known = await resolveAddress(ctx, o.address!);
    out.push({
      address: o.address!,
      script,
      valueSat,
      label,
      kind: known ? 'vault' : 'external',
      destPolicyId: known?.policyId ?? null,
      issued: false,
    });
  }
  return out;
}

function changeFor(wallet: MultisigWallet): ChangeAddress {
  // Every change address of a vault has the same script length: index 0 sizes the transaction.
  const d = wallet.derive(1, 0);
  return { address: d.address, script: d.scriptPubKey, chain: 1, index: 0 };
}

async function chooseCoins(
  ctx: Ctx,
  policyId: string,
  input: ProposeSpendInput,
  params: ReturnType<typeof selectionParams>,
) {
  try {
    if (!input.inputs) return await selectFromVault(ctx, policyId, params);
    const rows = await namedCoins(ctx, input.inputs);
    const coins: Candidate[] = input.inputs.map((named, i) => {
      const row = rows.find((r) => r.txid === named.txid && r.vout === named.vout);
      const field = `inputs.${i}`;
      if (!row) throw fieldProblem(field, `coin ${named.txid}:${named.vout} is not a coin of the reserve`);
      if (row.policyId !== policyId)
        throw fieldProblem(field, `coin ${named.txid}:${named.vout} belongs to policy ${row.policyId}`);
      if (row.status === 'locked')
        throw stateConflict('input_locked', `coin ${named.txid}:${named.vout} is locked by another spend`);
      if (row.status !== 'available' || row.chain === null || row.index === null)
        throw ruleRefusal(
          'input_not_available',
          `coin ${named.txid}:${named.vout} is ${row.status}, not available`,
          { coin_status: row.status },
          field,
        );
      return {
        txid: row.txid,
        vout: named.vout,
        valueSat: row.valueSat,
        address: row.address,
        coinbase: row.coinbase,
        chain: row.chain as 0 | 1,
        index: row.index,
      };
    });
    return fundWith(coins, params);
  } catch (error) {
    if (!(error instanceof SelectionError)) throw error;
    const f = error.failure;
    if (f.reason === 'too_many_inputs')
      throw ruleRefusal('max_inputs', `the spend needs more than SPEND_MAX_INPUTS (${f.maxInputs}) inputs`, {
        max_inputs: f.maxInputs,
      });
    throw ruleRefusal(
      'insufficient_funds',
      `the vault has ${formatBtc(f.availableSat)} BTC available for this spend; it needs ${formatBtc(f.requiredSat)} BTC with the fee`,
      {
        available_sat: f.availableSat,
        required_sat: f.requiredSat,
      },
      input.inputs ? 'inputs' : 'outputs',
    );
  }
}

export async function proposeSpend({ ctx, input: raw }: Verb<unknown>): Promise<SpendRecord> {
  const parsed = ProposeSpendInput.safeParse(raw);
  if (!parsed.success) throw validationError(parsed.error);
  const input = parsed.data;
  const settings = spendSettings();
  const rateMsat = feeRateMsat(input.fee_rate_sat_vb);
  const now = new Date();
  return withTransaction(ctx, async (tx) => {
    const c = inTx(ctx, tx);
    const policy = await getPolicy(c, input.policy_id).catch(() => {
      throw fieldProblem('policy_id', `policy ${input.policy_id} does not exist`);
    });
    if (!policy.active) throw stateConflict('policy_retired', `policy ${policy.id} is retired`);
    await lockVaultSpending(tx, policy.id);
    await expireDue({ ctx: c, input: { policyId: policy.id, now } });
    const rules = rulesOf(documentOf(policy));
    const wallet = policyWallet(policy);
    const id = newId('spd');
    const outputs = await resolveOutputs(c, id, policy.network as NetworkName, input);
    checkDestinations(rules, outputs);
    outputs.forEach((o, i) => {
      const dust = dustLimitSat(o.script);
      if (o.valueSat < dust)
        throw ruleRefusal(
          'dust',
          `output ${i} of ${o.valueSat} sat is under the dust limit of its script, ${dust} sat`,
          { amount_sat: o.valueSat, dust_limit_sat: dust },
          `outputs.${i}`,
        );
    });
    const amountSat = outputs.reduce((s, o) => s + o.valueSat, 0n);
    checkLimits(rules, amountSat, await sentSince(tx, policy.id, new Date(now.getTime() - 24 * HOUR_MS)));
    const feeRule = checkFeeRules({
      feeRateMsatVb: rateMsat,
      maxFeeRateSatVb: settings.maxFeeRateSatVb,
      feeSat: 0n,
      amountSentSat: amountSat,
    });
    if (feeRule) throw feeRefusal(feeRule);
    const sizing = changeFor(wallet);
    const params = selectionParams({
      wallet,
      destinations: outputs,
      change: sizing,
      feeRateMsatVb: rateMsat,
      maxInputs: settings.maxInputs,
    });
    const funding = await chooseCoins(c, policy.id, input, params);
    const feeCheck = checkFeeRules({
      feeRateMsatVb: rateMsat,
      maxFeeRateSatVb: settings.maxFeeRateSatVb,
      feeSat: funding.feeSat,
      amountSentSat: amountSat,
    });
    if (feeCheck) throw feeRefusal(feeCheck);
    // Three independent reads, pipelined on the transaction's connection.
    const [prevTxs, change, tip] = await Promise.all([
      knownPrevTxs(
        c,
        funding.inputs.map((i) => i.txid),
      ),
      funding.changeSat > 0n ? changeAddress(c, policy.id, id) : sizing,
      getTip(c),
    ]);
    for (const coin of funding.inputs) coin.prevTxHex = prevTxs.get(coin.txid) ?? null;
    // The coins are locked while the PSBT is built: the server writes their rows as this process composes.
    const locking = lockCoins({
      ctx: c,
      input: {
        outpoints: funding.inputs.map((i) => `${i.txid}:${i.vout}`),
        holder: id,
        reason: `locked by spend ${id}`,
      },
    });
    const spend = await composeBesides(locking, () =>
      composeSpend({
        wallet,
        policyId: policy.id,
        policyVersion: policy.version,
        funding,
        destinations: outputs,
        change,
        locktime: tip.height ?? 0,
      }),
    );
    const [, record] = await allInOrder([
      locking,
      writeProposal(tx, ctx, {
        id,
        policy,
        rules,
        threshold: wallet.spec.threshold,
        purpose: input.purpose,
        account: input.account ?? DISBURSEMENTS,
        rateMsat,
        amountSat,
        funding,
        outputs,
        spend,
        locktime: tip.height ?? 0,
        now,
        expiresAt: new Date(now.getTime() + settings.expiryHours * HOUR_MS),
      }),
    ] as const);
    return record;
  });
}

/**
 * Runs `compose` (synchronous, a few milliseconds for hundreds of inputs) once `pending`'s first statement is on
 * the wire, so that the database works while this process composes. Whatever `compose` throws, `pending` is
 * settled first: no statement of the transaction is left running behind it.
 */
async function composeBesides<T>(pending: Promise<unknown>, compose: () => T): Promise<T> {
  pending.catch(() => {});
  await new Promise((resolve) => setImmediate(resolve));
  try {
    return compose();
  } catch (error) {
    await pending.catch(() => {});
    throw error;
  }
}

/** Waits for all of them (statements pipelined on one connection); the first failure in this order is thrown. */
async function allInOrder<T extends readonly unknown[]>(
  pending: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(pending);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}

async function changeAddress(ctx: Ctx, policyId: string, spendId: string): Promise<ChangeAddress> {
  const d = await issueChangeAddress({
    ctx,
    input: { policyId, label: `change:${spendId}`, reusable: reusableAddresses(policyId, 'change', new Set()) },
  });
  return { address: d.address, script: d.scriptPubKey, chain: 1, index: d.index };
}

function feeRefusal(v: NonNullable<ReturnType<typeof checkFeeRules>>) {
  if (v.rule === 'fee_rate_too_low')
    return ruleRefusal(
      v.rule,
      `fee rate ${v.feeRateSatVb} sat/vB is under ${v.minimum} sat/vB`,
      { fee_rate_sat_vb: v.feeRateSatVb, minimum: v.minimum },
      'fee_rate_sat_vb',
    );
  if (v.rule === 'fee_rate_too_high')
    return ruleRefusal(
      v.rule,
      `fee rate ${v.feeRateSatVb} sat/vB is over SPEND_MAX_FEE_RATE_SAT_VB (${v.maximum})`,
      { fee_rate_sat_vb: v.feeRateSatVb, maximum: v.maximum },
      'fee_rate_sat_vb',
    );
  return ruleRefusal(
    v.rule,
    `the fee of ${v.feeSat} sat is over 10% of the ${v.amountSentSat} sat sent (at most ${v.maximumSat} sat)`,
    { fee_sat: v.feeSat, amount_sent_sat: v.amountSentSat, maximum_sat: v.maximumSat },
    'fee_rate_sat_vb',
  );
}
