import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBalance, verifyLedger } from '../../../src/ledger/service.js';
import { isNewer, type KnownBlock, statusOf, type UtxoStatus } from '../../../src/coins/index.js';
import { coinbaseTx, GENESIS_PREV, mineChain, paymentTx, type RegtestBlock } from '../../support/regtest.js';
import { newWebhookId } from '../../support/webhook.js';
import { createFleetApp, type FleetApp } from './fixture.js';

// Property: a random history of payouts and block events (maturity, a reorg), delivered with
// duplicates and in any order, ends in one state: the one the chain's final state implies.
// Each run lives on its own heights (run r at 1000r..) and its own site, so runs share one
// database; the tip the earlier runs left is part of the model.

let t: FleetApp;
beforeAll(async () => {
  t = await createFleetApp();
});
afterAll(async () => t?.close());

interface Delivery {
  id: string;
  event: { type: string; timestamp: string; data: Record<string, unknown> };
}

const MAIN_SPAN = 104; // heights H..H+103: enough for a coinbase at H to reach 100 confirmations
const FORK_FROM = 101; // the reorg replaces H+101..H+103

const scenario = fc.record({
  connected: fc.subarray([0, 1, 2, 50, 98, 99, 100, 101, 102, 103], { minLength: 1 }),
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
        const H = run * 1000;
        const site = `prop-site-${run}`;
        const addr = t.addresses[run % t.addresses.length]!;
        const baseTip = (await t.request('GET', '/v1/chain/tip')).json.height as number | null;
        const main = mineChain(H, MAIN_SPAN, GENESIS_PREV, () => [], `main-${run}`).blocks;
        const fork = mineChain(
          H + FORK_FROM,
          MAIN_SPAN - FORK_FROM,
          main[FORK_FROM - 1]!.hash,
          () => [],
          `fork-${run}`,
        ).blocks;
        const blockAt = (offset: number, onFork: boolean): RegtestBlock =>
          onFork && offset >= FORK_FROM ? fork[offset - FORK_FROM]! : main[offset]!;

        // The true history, in time order: connects, then (maybe) the reorg.
        let clock = Date.parse('2026-03-01T00:00:00Z') + run * 10_000_000;
        const at = () => new Date((clock += 1000)).toISOString();
        const deliveries: Delivery[] = [];
        const chainEvents: { hash: string; height: number; connected: boolean; at: string; id: string }[] = [];
        const block = (b: RegtestBlock, connected: boolean) => {
          const when = at();
          const id = newWebhookId();
          chainEvents.push({ hash: b.hash, height: b.height, connected, at: when, id });
          deliveries.push({
            id,
            event: {
              type: connected ? 'block.connected' : 'block.disconnected',
              timestamp: when,
              data: { height: b.height, hash: b.hash },
            },
          });
        };
        const connectedOffsets = [...s.connected].sort((a, b) => a - b);
        for (const o of connectedOffsets) block(main[o]!, true);
        if (s.reorg) {
          for (const o of [...connectedOffsets].reverse()) if (o >= FORK_FROM) block(main[o]!, false);
          for (let o = FORK_FROM; o < MAIN_SPAN; o++) block(fork[o - FORK_FROM]!, true);
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
        for (const d of all) {
          const r = await t.send(d.event, { id: d.id });
          expect(r.status, r.text).toBe(200);
        }

        // The model: each block's last event by time decides it; any disconnect orphans its coinbases.
        const known = new Map<string, KnownBlock & { at: string; id: string }>();
        for (const e of chainEvents) {
          const k = known.get(e.hash);
          known.set(e.hash, {
            height: e.height,
            connected:
              !k || isNewer({ at: new Date(e.at), eventId: e.id }, { at: new Date(k.at), eventId: k.id })
                ? e.connected
                : k.connected,
            everDisconnected: (k?.everDisconnected ?? false) || !e.connected,
            at:
              !k || isNewer({ at: new Date(e.at), eventId: e.id }, { at: new Date(k.at), eventId: k.id }) ? e.at : k.at,
            id:
              !k || isNewer({ at: new Date(e.at), eventId: e.id }, { at: new Date(k.at), eventId: k.id }) ? e.id : k.id,
          });
        }
        const heights = [...known.values()].filter((k) => k.connected).map((k) => k.height);
        const tip = Math.max(baseTip ?? -1, ...heights);
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
      { numRuns: 12 },
    );
    expect((await verifyLedger(t.ctx())).ok).toBe(true);
  });
});
