// The regtest builders live in src/bitcoin/regtest.ts (the demo uses them too).
export * from '../../src/bitcoin/regtest.js';
