import { createHash } from 'node:crypto';
import { Block, type Transaction } from 'bitcoinjs-lib';
import { CHAIN_PARAMS, parseCheckpoint, setChainSettings } from '../../src/chain/index.js';
import { coinbaseTx } from '../../src/bitcoin/regtest.js';
import { eventTime } from './webhook.js';

// A regtest header chain mined in the test: from regtest's genesis (the service's default
// checkpoint) or from a checkpoint the test configures (CHAIN_CHECKPOINT_REGTEST), so that a test
// can work at any height without mining up to it. Blocks carry real transactions and real proof
// of work (a few hashes at regtest's target); forks share the tree. Every block.connected the
// helper builds carries its 80-byte header, and a payout's merkle proof is computed here from the
// block's transactions, independently of the service's own merkle code (src/chain/spv).

const REGTEST_BITS = 0x207fffff;
const OP_TRUE = Buffer.from([0x51]);

export interface ChainBlock {
  height: number;
  hash: string;
  prevHash: string;
  time: number;
  headerHex: string;
  txs: Transaction[];
  block: Block;
}

export interface Output {
  script: Uint8Array;
  valueSat: bigint;
}

export interface MineOptions {
  /** The parent's hash (default: this branch's tip). */
  on?: string;
  /** Header time, unix seconds or an RFC 3339 string (default: the parent's time + 600 s). */
  time?: number | string;
  /** The coinbase's outputs (default: 50 BTC to OP_TRUE). */
  payTo?: Output[];
  /** A coinbase to use as is (its BIP-34 height must be the block's). */
  coinbase?: Transaction;
  /** Ordinary transactions after the coinbase. */
  txs?: Transaction[];
  /** Makes the coinbase (hence the block) differ between branches. */
  tag?: string;
}

let mined = 0;
const toSeconds = (t: number | string) => (typeof t === 'number' ? t : Math.floor(Date.parse(t) / 1000));
const dsha = (b: Buffer) => createHash('sha256').update(createHash('sha256').update(b).digest()).digest();

interface Tree {
  blocks: Map<string, { height: number; hash: string; time: number }>;
  checkpoint: { height: number; hash: string; headerHex: string; time: number };
}

export class RegtestChain {
  private constructor(
    private readonly tree: Tree,
    public tip: { height: number; hash: string; time: number },
  ) {}

  /** A chain from regtest's genesis block (height 0), the service's default checkpoint. */
  static fromGenesis(): RegtestChain {
    const { genesisHash, genesisHeaderHex } = CHAIN_PARAMS.regtest;
    const time = Buffer.from(genesisHeaderHex, 'hex').readUInt32LE(68);
    const base = { height: 0, hash: genesisHash, time };
    return new RegtestChain(
      { blocks: new Map([[genesisHash, base]]), checkpoint: { ...base, headerHex: genesisHeaderHex } },
      base,
    );
  }

  /**
   * A chain starting at a checkpoint block mined at `height` (on a made-up parent: a checkpoint is
   * trusted without its ancestors). `install()` makes this process's service start there;
   * `checkpointText` is the CHAIN_CHECKPOINT_REGTEST value for a service in another process.
   */
  static fromCheckpoint(height: number, time: number | string = '2026-01-01T00:00:00Z'): RegtestChain {
    const parent = createHash('sha256').update(`reserve-test-checkpoint-${height}`).digest('hex');
    const cp = mineHeader(
      height,
      parent,
      [coinbaseTx(height, [{ script: OP_TRUE, valueSat: 1n }], 'checkpoint')],
      toSeconds(time),
    );
    const base = { height, hash: cp.hash, time: cp.time };
    return new RegtestChain(
      { blocks: new Map([[cp.hash, base]]), checkpoint: { ...base, headerHex: cp.headerHex } },
      base,
    );
  }

  get checkpointText(): string {
    const c = this.tree.checkpoint;
    return `${c.height}:${c.hash}:${c.headerHex}`;
  }

  /** Sets this process's chain settings to regtest starting at this chain's checkpoint. */
  install(): this {
    setChainSettings({ rules: 'regtest', checkpoint: parseCheckpoint('regtest', this.checkpointText) });
    return this;
  }

  /** Another branch of the same tree, its tip at `at` (a fork point). */
  fork(at: string | { hash: string }): RegtestChain {
    const hash = typeof at === 'string' ? at : at.hash;
    const base = this.tree.blocks.get(hash);
    if (!base) throw new Error(`RegtestChain.fork: unknown block ${hash}`);
    return new RegtestChain(this.tree, base);
  }

  /** Mines one block on `on` (default the tip); the tip moves to it when it is built on the tip. */
  mine(options: MineOptions = {}): ChainBlock {
    const parent = this.tree.blocks.get(options.on ?? this.tip.hash);
    if (!parent) throw new Error(`RegtestChain.mine: unknown parent ${options.on}`);
    const height = parent.height + 1;
    // A serial number in the coinbase: two blocks mined on one parent always differ.
    const coinbase =
      options.coinbase ??
      coinbaseTx(
        height,
        options.payTo ?? [{ script: OP_TRUE, valueSat: 5_000_000_000n }],
        `${options.tag ?? ''}#${++mined}`,
      );
    const time = options.time === undefined ? parent.time + 600 : toSeconds(options.time);
    const b = mineHeader(height, parent.hash, [coinbase, ...(options.txs ?? [])], time);
    this.tree.blocks.set(b.hash, { height, hash: b.hash, time });
    if (parent.hash === this.tip.hash) this.tip = { height, hash: b.hash, time };
    return b;
  }

  /** `count` blocks on the tip; `each(height)` may give each block's options. */
  mineMany(count: number, each: (height: number) => MineOptions = () => ({})): ChainBlock[] {
    return Array.from({ length: count }, () => this.mine(each(this.tip.height + 1)));
  }

  /** block.connected with the block's real header. */
  connected(b: ChainBlock, at = eventTime()) {
    return {
      type: 'block.connected',
      timestamp: at,
      data: { height: b.height, hash: b.hash, prev_hash: b.prevHash, header_hex: b.headerHex },
    };
  }

  /** The payout proof of `tx` in `b`: raw_tx_hex, tx_index and merkle_branch (display hex, leaf level first). */
  proof(b: ChainBlock, tx: Transaction): { raw_tx_hex: string; tx_index: number; merkle_branch: string[] } {
    const index = b.txs.findIndex((t) => t.getId() === tx.getId());
    if (index < 0) throw new Error(`RegtestChain.proof: ${tx.getId()} is not in block ${b.hash}`);
    let level: Buffer[] = b.txs.map((t) => Buffer.from(t.getHash()));
    const branch: string[] = [];
    for (let pos = index; level.length > 1; pos >>= 1) {
      branch.push(
        Buffer.from(level[pos ^ 1] ?? level[pos]!)
          .reverse()
          .toString('hex'),
      );
      const next: Buffer[] = [];
      for (let i = 0; i < level.length; i += 2) next.push(dsha(Buffer.concat([level[i]!, level[i + 1] ?? level[i]!])));
      level = next;
    }
    return { raw_tx_hex: tx.toHex(), tx_index: index, merkle_branch: branch };
  }
}

function mineHeader(height: number, prevHash: string, txs: Transaction[], time: number): ChainBlock {
  const block = new Block();
  block.version = 0x20000000;
  block.prevHash = Buffer.from(prevHash, 'hex').reverse();
  block.transactions = txs;
  block.merkleRoot = Block.calculateMerkleRoot(txs);
  block.timestamp = time;
  block.bits = REGTEST_BITS;
  block.nonce = 0;
  while (!block.checkProofOfWork()) block.nonce++;
  const headerHex = Buffer.from(block.toBuffer(true)).toString('hex');
  return { height, hash: block.getId(), prevHash, time, headerHex, txs, block };
}
