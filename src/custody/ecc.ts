import { initEccLib } from 'bitcoinjs-lib';
import * as tiny from 'tiny-secp256k1';

// bitcoinjs-lib needs an elliptic-curve library to read and write taproot (p2tr, witness v1) outputs:
// it checks that the output key is an x-only point on the curve. Loaded once, for the process, when the
// custody door is: a spend may then pay a p2tr destination (dust limit 330 sat, vsize.ts). Reserve's own
// vaults stay p2wsh / p2sh-p2wsh multisig.
initEccLib(tiny);
