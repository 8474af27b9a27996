import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBalance, verifyLedger } from '../../../src/ledger/service.js';
import { CHAIN_PARAMS } from '../../../src/chain/index.js';
import { type KnownBlock, statusOf, type UtxoStatus } from '../../../src/coins/index.js';
import { type ChainBlock, RegtestChain } from '../../support/chain.js';
import { coinbaseTx, paymentTx } from '../../support/regtest.js';
import { newWebhookId } from '../../support/webhook.js';
import { createFleetApp, type FleetApp } from './fixture.js';

// Property: a random history of payouts and block events (maturity, a reorg), delivered with
// duplicates and in any order, ends in one state: the one the chain's final state implies.
// Block events carry real headers, so they arrive parent first (as a node gives them, and as the
// header tree requires); payouts and duplicates land anywhere among them, disconnect events are
// advisory. Each run extends the tip the earlier runs left (one header tree, one database) on
// its own site; that tip is part of the model.

const chain = RegtestChain.fromGenesis();
let t: FleetApp;
beforeAll(async () => {
  t = await createFleetApp();
});
afterAll(async () => t?.close());

interface Delivery {
  id: string;
  event: { type: string; timestamp: string; data: Record<string, unknown> };
  /** Block events keep this order among themselves (parent first). */
  chainSeq?: number;
}

const MAIN_SPAN = 104; // heights H..H+103: enough for a coinbase at H to reach 100 confirmations
const FORK_FROM = 101; // the reorg replaces H+101.. with H+101..H+104, one block more work

const scenario = fc.record({
  reach: fc.constantFrom(1, 2, 3, 51, 99, 100, 101, 102, 103, 104), // main blocks delivered
  reorg: fc.boolean(),
  coinbases: fc.array(
    fc.record({
      offset: fc.constantFrom(0, 1, 2, 101, 102),
      fork: fc.boolean(),
      sat: fc.bigInt({ min: 1n, max: 5_000_000_000n }),
      withBlock: fc.boolean(),
    }),
    { maxLength: 5 },
  ),
  payments: fc.array(
    fc.record({
      offset: fc.constantFrom(2, 101, 102),
      inBlock: fc.boolean(),
      sat: fc.bigInt({ min: 1n, max: 100_000_000n }),
    }),
    { maxLength: 3 },
  ),
  duplicates: fc.array(fc.nat(), { maxLength: 12 }),
  seed: fc.integer(),
});

let run = 0;

describe('order independence (property)', () => {
  it('any delivery order with duplicates ends in the same UTXO set, holdings and ledger balances', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        run++;
        const site = `prop-site-${run}`;
        await t.sites([site]);
        const addr = t.addresses[run % t.addresses.length]!;
        const before = (await t.request('GET', '/v1/chain/tip')).json as { height: number | null; hash: string | null };
        const branch = chain.fork(before.hash ?? CHAIN_PARAMS.regtest.genesisHash);
        const main = branch.mineMany(MAIN_SPAN, () => ({ tag: `main-${run}` }));
        const fork = chain
          .fork(main[FORK_FROM - 1]!)
          .mineMany(MAIN_SPAN - FORK_FROM + 1, () => ({ tag: `fork-${run}` }));
        const blockAt = (offset: number, onFork: boolean): ChainBlock =>
          onFork && offset >= FORK_FROM ? fork[offset - FORK_FROM]! : main[offset]!;

        // The true history, in time order: the main blocks up to `reach`, then (maybe) the reorg.
        let clock = Date.parse('2026-03-01T00:00:00Z') + run * 10_000_000;
        const at = () => new Date((clock += 1000)).toISOString();
        const deliveries: Delivery[] = [];
        let seq = 0;
        const delivered = main.slice(0, s.reach);
        const reorged = s.reorg && s.reach > FORK_FROM - 1;
        for (const b of delivered)
          deliveries.push({ id: newWebhookId(), event: chain.connected(b, at()), chainSeq: seq++ });
        if (reorged) {
          for (const b of [...delivered].reverse().filter((x) => x.height >= main[FORK_FROM]!.height))
            deliveries.push({
              id: newWebhookId(),
              event: { type: 'block.disconnected', timestamp: at(), data: { height: b.height, hash: b.hash } },
              chainSeq: seq++,
            });
          for (const b of fork)
            deliveries.push({ id: newWebhookId(), event: chain.connected(b, at()), chainSeq: seq++ });
        }
        const coins: { txid: string; coinbase: boolean; sat: bigint; blockHash: string | null }[] = [];
        s.coinbases.forEach((c, i) => {
          const b = blockAt(c.offset, c.fork);
          const tx = coinbaseTx(b.height, [{ script: addr.script, valueSat: c.sat }], `prop-${run}-${i}`);
          coins.push({ txid: tx.getId(), coinbase: true, sat: c.sat, blockHash: c.withBlock ? b.hash : null });
          const data = {
            site_id: site,
            txid: tx.getId(),
            vout: 0,
            address: addr.address,
            amount_sat: c.sat.toString(),
            coinbase: true,
            raw_tx_hex: tx.toHex(),
          };
          deliveries.push({
            id: newWebhookId(),
            event: {
              type: 'payout.received',
              timestamp: at(),
              data: c.withBlock ? { ...data, block_height: b.height, block_hash: b.hash } : data,
            },
          });
          if (c.withBlock)
            deliveries.push({ id: newWebhookId(), event: { type: 'payout.received', timestamp: at(), data } }); // the same coin reported before it was mined
        });
        s.payments.forEach((p, i) => {
          const b = main[p.offset]!;
          const tx = paymentTx([{ script: addr.script, valueSat: p.sat }], run * 100 + i);
          coins.push({ txid: tx.getId(), coinbase: false, sat: p.sat, blockHash: p.inBlock ? b.hash : null });
          const data = {
            site_id: site,
            txid: tx.getId(),
            vout: 0,
            address: addr.address,
            amount_sat: p.sat.toString(),
            coinbase: false,
          };
          deliveries.push({
            id: newWebhookId(),
            event: {
              type: 'payout.received',
              timestamp: at(),
              data: p.inBlock ? { ...data, block_height: b.height, block_hash: b.hash } : data,
            },
          });
        });

        // Deliver: duplicates (same id and body) added, everything shuffled by the seed.
        const all = [
          ...deliveries,
          ...s.duplicates.filter(() => deliveries.length > 0).map((n) => deliveries[n % deliveries.length]!),
        ];
        let seed = s.seed >>> 0;
        const rand = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
        for (let i = all.length - 1; i > 0; i--) {
          const j = Math.floor(rand() * (i + 1));
          [all[i], all[j]] = [all[j]!, all[i]!];
        }
        // Block events back in chain order, in the places the shuffle gave block events.
        const inOrder = all.filter((d) => d.chainSeq !== undefined).sort((x, y) => x.chainSeq! - y.chainSeq!);
        for (let i = 0, k = 0; i < all.length; i++) if (all[i]!.chainSeq !== undefined) all[i] = inOrder[k++]!;
        for (const d of all) {
          const r = await t.send(d.event, { id: d.id });
          expect(r.status, r.text).toBe(200);
        }

        // The model: the delivered main blocks are connected, those the heavier fork replaced are
        // disconnected for good (their coinbases orphaned), the fork's blocks connected.
        const known = new Map<string, KnownBlock>();
        for (const b of delivered) {
          const replaced = reorged && b.height >= main[FORK_FROM]!.height;
          known.set(b.hash, { height: b.height, connected: !replaced, everDisconnected: replaced });
        }
        if (reorged)
          for (const b of fork) known.set(b.hash, { height: b.height, connected: true, everDisconnected: false });
        const tip = reorged ? fork.at(-1)!.height : s.reach > 0 ? delivered.at(-1)!.height : (before.height ?? -1);
        let income = 0n;
        for (const c of coins) {
          const expected: UtxoStatus = statusOf(
            { coinbase: c.coinbase, blockHash: c.blockHash },
            c.blockHash ? (known.get(c.blockHash) ?? null) : null,
            tip < 0 ? null : tip,
          );
          const got = await t.request('GET', `/v1/utxos/${c.txid}/0`);
          expect(got.json.status, `${c.txid} coinbase=${c.coinbase}`).toBe(expected);
          if (expected !== 'orphaned') income -= c.sat;
        }
        expect((await t.request('GET', '/v1/chain/tip')).json.height).toBe(tip < 0 ? null : tip);
        expect(await getBalance(t.ctx(), `Income:Mining:${site}`, 'BTC')).toBe(income);
        const holdings = await t.request('GET', '/v1/reports/holdings');
        expect(holdings.json.check).toEqual({ ledger_equals_utxo_set: true, mismatches: [] });
      }),
      // Each run posts up to 108 headers (maturity needs 100 blocks): 6 runs keep the file near half a minute.
      { numRuns: 6 },
    );
    expect((await verifyLedger(t.ctx())).ok).toBe(true);
  }, 300_000);
});
