import type { Transaction } from 'bitcoinjs-lib';
import { spendDigest } from './digest.js';
import type { Chain, MultisigWallet } from './multisig.js';
import {
  encodePsbt,
  finalTxidOf,
  inputContexts,
  type SpendCoin,
  type SpendInputContext,
  type SpendOutput,
} from './psbt.js';
import { type Funding, type SelectionParams, type SelectionPlan, settle } from './selection.js';
import { dustLimitSat, type InputShape } from './vsize.js';

// One spend from its parts: the funding (selected or given coins), the outputs in request order with the change
// last, the PSBT, the unsigned transaction, the txid it will have and the approval digest. Pure.

export interface Destination {
  address: string;
  script: Uint8Array;
  valueSat: bigint;
  label: string | null;
}

export interface ChangeAddress {
  address: string;
  script: Uint8Array;
  chain: Chain;
  index: number;
}

export interface ComposedSpend {
  funding: Funding<SpendCoin>;
  outputs: SpendOutput[];
  /** The PSBT (BIP-174 v0, no signatures), serialised. */
  psbt: Uint8Array;
  unsignedTx: Transaction;
  contexts: SpendInputContext[];
  txid: string;
  unsignedTxid: string;
  digest: string;
}

export function inputShapeOf(wallet: MultisigWallet): InputShape {
  return {
    script: wallet.spec.script,
    threshold: wallet.spec.threshold,
    witnessScriptBytes: wallet.derive(0, 0).witnessScript.length,
  };
}

export function selectionParams(input: {
  wallet: MultisigWallet;
  destinations: readonly Destination[];
  change: ChangeAddress;
  feeRateMsatVb: bigint;
  maxInputs: number;
}): SelectionParams {
  return {
    targetSat: input.destinations.reduce((sum, d) => sum + d.valueSat, 0n),
    feeRateMsatVb: input.feeRateMsatVb,
    inputShape: inputShapeOf(input.wallet),
    outputScriptBytes: input.destinations.map((d) => d.script.length),
    changeScriptBytes: input.change.script.length,
    changeDustSat: dustLimitSat(input.change.script),
    maxInputs: input.maxInputs,
  };
}

export function composeSpend(input: {
  wallet: MultisigWallet;
  policyId: string;
  policyVersion: number;
  funding: Funding<SpendCoin>;
  destinations: readonly Destination[];
  change: ChangeAddress;
  locktime: number;
}): ComposedSpend {
  const outputs: SpendOutput[] = input.destinations.map((d) => ({ ...d }));
  if (input.funding.changeSat > 0n) {
    const { address, script, chain, index } = input.change;
    outputs.push({ address, script, valueSat: input.funding.changeSat, label: 'change', change: { chain, index } });
  }
  const contexts = inputContexts(input.wallet, input.funding.inputs);
  const { bytes: psbt, unsignedTx } = encodePsbt(
    { wallet: input.wallet, inputs: input.funding.inputs, outputs, locktime: input.locktime },
    contexts,
  );
  const digest = spendDigest({
    policyId: input.policyId,
    policyVersion: input.policyVersion,
    unsignedTxHex: unsignedTx.toHex(),
    outputs,
    feeSat: input.funding.feeSat,
  });
  return {
    funding: input.funding,
    outputs,
    psbt,
    unsignedTx,
    contexts,
    txid: finalTxidOf(unsignedTx, contexts),
    unsignedTxid: unsignedTx.getId(),
    digest,
  };
}

export type { Funding, SelectionPlan };
export { settle };
