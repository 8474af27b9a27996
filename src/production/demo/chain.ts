// The demo's regtest chain: real blocks mined from the regtest genesis along the year, each
// header sent as block.connected (header_hex), so the service's header tree checks it and the
// coins move with it. A compressed chain: BLOCKS_PER_DAY blocks a day instead of mainnet's 144,
// so a coinbase matures (100 blocks) in 100 / BLOCKS_PER_DAY days.
import type { Transaction } from 'bitcoinjs-lib';
import { coinbaseTx, mineBlock, type RegtestBlock } from '../../bitcoin/regtest.js';
import { chainParams, merkleBranchesDisplay, parseHeaderHex } from '../../chain/index.js';

export const BLOCKS_PER_DAY = 1;
const DAY_MS = 86_400_000;
const SUBSIDY_SAT = 312_500_000n;
const OP_TRUE = Buffer.from([0x51]);

export const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');

export type FleetSend = (event: { type: string; timestamp: string; data: Record<string, unknown> }) => Promise<unknown>;

/** Block `j` of a day: the last at 23:30, the others evenly before it, each up to 5 minutes off by `jitter` in [0, 1). */
export function blockTime(dayStart: number, j: number, jitter: number): number {
  const slot = DAY_MS / BLOCKS_PER_DAY;
  return dayStart + (j + 1) * slot - 1_800_000 + Math.round((jitter - 0.5) * 600) * 1000;
}

export interface Tip {
  height: number;
  hash: string;
}

export class DemoChain {
  tip: Tip;
  connected = 0;

  constructor(private readonly send: FleetSend) {
    const genesis = parseHeaderHex(chainParams('regtest').genesisHeaderHex);
    this.tip = { height: 0, hash: genesis.hash };
  }

  /** Mines a block on `parent` (default the tip) at `timeMs` holding `txs`, and sends its header. */
  async connect(
    timeMs: number,
    options: {
      txs?: Transaction[];
      coinbase?: { script: Uint8Array; valueSat: bigint };
      parent?: Tip;
      tag?: string;
    } = {},
  ): Promise<RegtestBlock> {
    const parent = options.parent ?? this.tip;
    const height = parent.height + 1;
    const cb = coinbaseTx(
      height,
      [options.coinbase ?? { script: OP_TRUE, valueSat: SUBSIDY_SAT }],
      options.tag ?? 'demo',
    );
    const block = mineBlock(height, parent.hash, [cb, ...(options.txs ?? [])], Math.floor(timeMs / 1000));
    await this.send({
      type: 'block.connected',
      timestamp: iso(timeMs),
      data: {
        height,
        hash: block.hash,
        prev_hash: parent.hash,
        header_hex: Buffer.from(block.block.toBuffer(true)).toString('hex'),
      },
    });
    this.connected++;
    // A branch that is not longer leaves the tip where it is (the header tree keeps the first seen).
    if (height > this.tip.height) this.tip = { height, hash: block.hash };
    return block;
  }
}

/** The merkle proof of each of a block's transactions (tx_index, merkle_branch), as a payout carries it. */
export function proofsOf(block: RegtestBlock): { txIndex: number; merkleBranch: string[] }[] {
  const txids = block.block.transactions!.map((t) => t.getId());
  const indexes = txids.map((_, i) => i);
  return merkleBranchesDisplay(txids, indexes).map((merkleBranch, txIndex) => ({ txIndex, merkleBranch }));
}
