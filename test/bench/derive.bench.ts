// Derives 10,000 2-of-3 P2WSH receive addresses of the example regtest-cold vault through the
// service's own derivation (MultisigWallet, cached chain nodes), beside the same work done with
// bare bip32 (tiny-secp256k1) + bitcoinjs-lib payments from cached chain nodes: the ceiling.
// Must: at least 80% of the ceiling. Rounds alternate so that machine noise hits both alike.
import { fileURLToPath } from 'node:url';
import { BIP32Factory } from 'bip32';
import { payments } from 'bitcoinjs-lib';
import * as ecc from 'tiny-secp256k1';
import { secp256k1Backend } from '../../src/bitcoin/extended-key.js';
import { networkOf } from '../../src/bitcoin/networks.js';
import { MultisigWallet } from '../../src/custody/multisig.js';
import { loadPoliciesDir } from '../../src/policies/load.js';
import { machineLine, median, verdict } from './machine.js';

const ADDRESSES = 10_000;
const ROUNDS = 3;
const REQUIRED_RATIO = 0.8;

const policy = loadPoliciesDir(fileURLToPath(new URL('../../policies', import.meta.url))).find(
  (p) => p.id === 'regtest-cold',
)!;
const network = networkOf(policy.network);

// The service's code path: the wallet the service caches per key set.
const spec = {
  network: policy.network,
  script: policy.script,
  threshold: policy.threshold,
  signers: policy.signers.map((s) => ({ fingerprint: s.fingerprint, path: s.pathIndexes, xpub: s.xpub })),
};
const wallet = new MultisigWallet(spec);

// The ceiling: bare libraries, chain nodes derived once.
const bip32 = BIP32Factory(ecc);
// For information: the service's code on the ceiling's backend (tiny-secp256k1).
const tinyWallet = new MultisigWallet(spec, bip32);
const chainNodes = policy.signers.map((s) => bip32.fromBase58(s.xpub, network).derive(0));
const compare = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b);
function bareAddress(index: number): string {
  const pubkeys = chainNodes.map((n) => n.derive(index).publicKey).sort(compare);
  return payments.p2wsh({ redeem: payments.p2ms({ m: policy.threshold, pubkeys, network }), network }).address!;
}

// Both must agree before any timing means anything.
for (const i of [0, 1, 999]) {
  if (wallet.derive(0, i).address !== bareAddress(i) || tinyWallet.derive(0, i).address !== bareAddress(i))
    throw new Error(`service and bare derivation disagree at index ${i}`);
}

function rate(derive: (index: number) => unknown, offset: number): number {
  const started = performance.now();
  for (let i = 0; i < ADDRESSES; i++) derive(offset + i);
  return ADDRESSES / ((performance.now() - started) / 1000);
}

const service: number[] = [];
const serviceTiny: number[] = [];
const bare: number[] = [];
const warmUp = (derive: (index: number) => unknown) => {
  for (let i = 0; i < 500; i++) derive(50_000 + i);
};
warmUp((i) => wallet.derive(0, i)); // every path, so that no side pays the JIT alone
warmUp(bareAddress);
warmUp((i) => tinyWallet.derive(0, i));
for (let round = 0; round < ROUNDS; round++) {
  // Fresh indexes every round so that no cache below the chain nodes can help either side.
  service.push(rate((i) => wallet.derive(0, i), round * ADDRESSES));
  bare.push(rate(bareAddress, round * ADDRESSES));
  serviceTiny.push(rate((i) => tinyWallet.derive(0, i), round * ADDRESSES));
}
const serviceRate = median(service);
const ceiling = median(bare);
const ratio = serviceRate / ceiling;
console.log(`derive: ${ADDRESSES} x 2-of-3 P2WSH receive addresses, ${ROUNDS} rounds, medians`);
console.log(
  `  service (MultisigWallet, ${secp256k1Backend})  ${serviceRate.toFixed(0)} addresses/s   rounds: ${service.map((r) => r.toFixed(0)).join(' ')}`,
);
console.log(
  `  service (MultisigWallet, tiny-secp256k1)  ${median(serviceTiny).toFixed(0)} addresses/s   rounds: ${serviceTiny.map((r) => r.toFixed(0)).join(' ')}`,
);
console.log(
  `  ceiling (bare bip32 + tiny-secp256k1 + bitcoinjs payments)  ${ceiling.toFixed(0)} addresses/s   rounds: ${bare.map((r) => r.toFixed(0)).join(' ')}`,
);
console.log(machineLine());
console.log(
  verdict(
    'derive',
    ratio >= REQUIRED_RATIO,
    `${serviceRate.toFixed(0)}/s is ${(ratio * 100).toFixed(0)}% of the ceiling ${ceiling.toFixed(0)}/s (must be >= ${REQUIRED_RATIO * 100}%)`,
  ),
);
console.log(`aim (3x the ceiling): ${ratio >= 3 ? 'reached' : 'not reached'} at ${ratio.toFixed(2)}x`);
process.exit(ratio >= REQUIRED_RATIO ? 0 : 1);
