// Consensus parameters of each network's header chain, from Bitcoin Core's kernel/chainparams.cpp.
// `testnet` is testnet3 (the policy files' `testnet`); testnet4 (BIP94) has its own entry.

export const CHAIN_RULES = ['bitcoin', 'testnet', 'testnet4', 'signet', 'regtest'] as const;
export type ChainRules = (typeof CHAIN_RULES)[number];

export interface ChainParams {
  name: ChainRules;
  /** Highest target a header may claim (the lowest difficulty). */
  powLimit: bigint;
  /** 2,016 blocks: the retarget interval. */
  interval: number;
  targetSpacingSec: number;
  targetTimespanSec: number;
  /** testnet3/testnet4: a block more than 20 minutes after its parent may use powLimit. */
  allowMinDifficultyBlocks: boolean;
  /** regtest: bits never change. */
  noRetargeting: boolean;
  /** testnet4: BIP94 (retarget from the period's first block's bits; timewarp limit). */
  enforceBip94: boolean;
  /** The genesis header (80 bytes hex) and its hash, the default checkpoint of regtest. */
  genesisHeaderHex: string;
  genesisHash: string;
}

const MAIN_LIMIT = (1n << 224n) - 1n; // 00000000ffff...ff
const SIGNET_LIMIT = 0x0377aen << 216n; // 00000377ae00...00
const REGTEST_LIMIT = (1n << 255n) - 1n; // 7fff...ff

const common = { interval: 2016, targetSpacingSec: 600, targetTimespanSec: 14 * 24 * 60 * 60 };
const GENESIS_MERKLE = '3ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a';

function header(merkleInternal: string, time: number, bits: number, nonce: number): string {
  const b = Buffer.alloc(80);
  b.writeInt32LE(1, 0);
  Buffer.from(merkleInternal, 'hex').copy(b, 36);
  b.writeUInt32LE(time, 68);
  b.writeUInt32LE(bits, 72);
  b.writeUInt32LE(nonce, 76);
  return b.toString('hex');
}

export const CHAIN_PARAMS: Record<ChainRules, ChainParams> = {
  bitcoin: {
    name: 'bitcoin',
    ...common,
    powLimit: MAIN_LIMIT,
    allowMinDifficultyBlocks: false,
    noRetargeting: false,
    enforceBip94: false,
    genesisHeaderHex: header(GENESIS_MERKLE, 1231006505, 0x1d00ffff, 2083236893),
    genesisHash: '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f',
  },
  testnet: {
    name: 'testnet',
    ...common,
    powLimit: MAIN_LIMIT,
    allowMinDifficultyBlocks: true,
    noRetargeting: false,
    enforceBip94: false,
    genesisHeaderHex: header(GENESIS_MERKLE, 1296688602, 0x1d00ffff, 414098458),
    genesisHash: '000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943',
  },
  testnet4: {
    name: 'testnet4',
    ...common,
    powLimit: MAIN_LIMIT,
    allowMinDifficultyBlocks: true,
    noRetargeting: false,
    enforceBip94: true,
    genesisHeaderHex: header(
      '4e7b2b9128fe0291db0693af2ae418b767e657cd407e80cb1434221eaea7a07a',
      1714777860,
      0x1d00ffff,
      393743547,
    ),
    genesisHash: '00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043',
  },
  signet: {
    name: 'signet',
    ...common,
    powLimit: SIGNET_LIMIT,
    allowMinDifficultyBlocks: false,
    noRetargeting: false,
    enforceBip94: false,
    genesisHeaderHex: header(GENESIS_MERKLE, 1598918400, 0x1e0377ae, 52613770),
    genesisHash: '00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6',
  },
  regtest: {
    name: 'regtest',
    ...common,
    powLimit: REGTEST_LIMIT,
    allowMinDifficultyBlocks: true,
    noRetargeting: true,
    enforceBip94: false,
    genesisHeaderHex: header(GENESIS_MERKLE, 1296688602, 0x207fffff, 2),
    genesisHash: '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206',
  },
};

export function chainParams(name: ChainRules): ChainParams {
  return CHAIN_PARAMS[name];
}
