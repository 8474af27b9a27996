// A realistic year for four sites, built through the real HTTP API and the signed fleet webhook
// (sites.ts says what each site did). A regtest chain moves along the year (chain.ts): pool
// payouts are confirmed in its blocks with merkle proofs, each to a fresh address issued under a
// label; the solo site's coinbases mature after 100 blocks, and a heavier branch orphans the last.
// One month of the nuclear site's payouts never arrives; the flare site's pool underpays two
// months; the last day's payouts are still unconfirmed at the year's end. Tariffs are in BYN.
import { paymentTx, type RegtestBlock } from '../../bitcoin/regtest.js';
import { Dec } from '../../money/fiat.js';
import { expectedNetSat, type NetworkDay, roundExpectedSat, workThSeconds } from '../expected.js';
import { BLOCKS_PER_DAY, blockTime, DemoChain, type FleetSend, iso, proofsOf } from './chain.js';
import { type DemoSite, demoSites, prng, type SiteDay } from './sites.js';
import { type DemoSpendKeys, demoSpends } from './spends.js';

export type { DemoSpendKeys } from './spends.js';

export interface DemoClient {
  /** An API call with the admin key, or with `key`. */
  api(method: string, path: string, body?: unknown, key?: string): Promise<unknown>;
  fleet: FleetSend;
  /** The custody policy the payouts go to (its addresses are issued through the API). */
  policyId: string;
  progress(line: string): void;
  /** The officer and approver keys of the spends made after the year. */
  spendKeys: DemoSpendKeys;
}

const DAY_MS = 86_400_000;
const SUBSIDY_SAT = 312_500_000n;
/** Days of the year the solo site finds a block (the last one is orphaned by a reorg). */
const SOLO_DAYS = [105, 214, 325, 339];
const CHUNK_DAYS = 5; // addresses issued ahead of their payouts stay under the policy's gap limit
const dayIso = (t: number) => new Date(t).toISOString().slice(0, 10);

async function registerSites(client: DemoClient, list: DemoSite[], t0: number) {
  for (const s of list) {
    await client.api('POST', '/v1/sites', {
      id: s.id,
      name: s.name,
      region: s.region,
      energy_source: s.energy_source,
      pool: s.pool,
      energy_supplier: s.energy_supplier,
      ...(s.exportPrice ? { export_price_per_kwh: s.exportPrice, export_currency: 'BYN' } : {}),
    });
    for (const [i, tf] of s.tariffs.entries()) {
      const next = s.tariffs[i + 1];
      await client.api('POST', `/v1/sites/${s.id}/tariffs`, {
        effective_from: iso(t0 + tf.from * DAY_MS),
        effective_to: next ? iso(t0 + next.from * DAY_MS) : null,
        price_per_kwh: tf.price,
        currency: 'BYN',
      });
    }
  }
}

/** Network days (difficulty retargeted every two weeks), weekly BYN/USD rates, daily BTC marks. */
async function marketData(client: DemoClient, days: number[], random: () => number) {
  const network = new Map<string, NetworkDay>();
  let difficulty = new Dec('110000000000000');
  const networkRows = days.map((t, i) => {
    if (i > 0 && i % 14 === 0) difficulty = difficulty.mul(1 + (random() - 0.3) * 0.08).toDecimalPlaces(2);
    const fees = new Dec(1_500_000 + Math.round(random() * 4_500_000));
    network.set(dayIso(t), { difficulty, subsidySat: SUBSIDY_SAT, feesSat: fees });
    return {
      day: dayIso(t),
      difficulty: difficulty.toFixed(),
      blocks: 138 + Math.round(random() * 14),
      avg_subsidy_sat: SUBSIDY_SAT.toString(),
      avg_fees_sat: fees.toFixed(),
      source: 'demo-node',
    };
  });
  await client.api('POST', '/v1/network/daily', { days: networkRows });
  const rates = days
    .filter((_, i) => i % 7 === 0)
    .map((t) => ({ base: 'BYN', quote: 'USD', rate: (0.3 + random() * 0.012).toFixed(5), at: iso(t), source: 'nbrb' }));
  await client.api('POST', '/v1/rates', { rates });
  let price = 92_000;
  const prices = days.map((t) => {
    price *= 1 + (random() - 0.48) * 0.04;
    return { currency: 'USD', price: price.toFixed(2), at: iso(t), source: 'demo-desk' };
  });
  await client.api('POST', '/v1/prices', { prices });
  return network;
}

/** What each site did each day: drawn once, so the reports and the payouts agree. */
type SiteDays = Map<string, SiteDay[]>;

async function productionReports(client: DemoClient, list: DemoSite[], days: number[], siteDays: SiteDays) {
  const reports = list.flatMap((s) =>
    days.map((t, i) => {
      const d = siteDays.get(s.id)![i]!;
      // The reported hashrate is the day's average (downtime included), so energy follows it.
      const kwh = new Dec(d.hashrateThs).mul(86_400).mul(s.joulesPerTh).div(3_600_000).toDecimalPlaces(3);
      return {
        site: s.id,
        period_start: iso(t),
        period_end: iso(t + DAY_MS),
        hashrate_ths: String(d.hashrateThs),
        energy_kwh: kwh.toFixed(),
        uptime: d.uptime,
        ...(d.curtailedHours === null ? {} : { curtailed_hours: d.curtailedHours }),
      };
    }),
  );
  for (let i = 0; i < reports.length; i += 250)
    await client.api('POST', '/v1/production', { reports: reports.slice(i, i + 250) });
  return reports;
}

interface Payee {
  address: string;
  script: Uint8Array;
}

async function issueAddress(client: DemoClient, label: string, site: string, purpose: string): Promise<Payee> {
  const issued = (await client.api('POST', `/v1/policies/${client.policyId}/addresses`, {
    label,
    site,
    pool: site,
    purpose,
  })) as { address: string; script_pub_key: string };
  return { address: issued.address, script: Buffer.from(issued.script_pub_key, 'hex') };
}

/** What each pool paid for day `i`, by site (none for the missing month or a day without work). */
function poolPayouts(list: DemoSite[], days: number[], siteDays: SiteDays, network: Map<string, NetworkDay>) {
  const random = prng(20_260_202);
  const t0 = days[0]!;
  const missingMonth = new Date(t0 + 300 * DAY_MS).getUTCMonth();
  const underpaid = new Set([new Date(t0 + 210 * DAY_MS).getUTCMonth(), new Date(t0 + 240 * DAY_MS).getUTCMonth()]);
  return days.map((t, i) => {
    const month = new Date(t + 23 * 3_600_000).getUTCMonth();
    return list.flatMap((s) => {
      if (s.arrangement.kind !== 'pool') return [];
      if (s.id === 'nuclear-ostrovets' && month === missingMonth) return []; // the missing payouts
      const { hashrateThs } = siteDays.get(s.id)![i]!;
      if (hashrateThs === 0) return [];
      const day = network.get(dayIso(t))!;
      // PPS+ pays the block fees the pool actually earned: its luck moves the fee part.
      const luck = s.arrangement.scheme === 'pps+' ? 0.6 + random() * 0.8 : 1;
      const paid = { ...day, feesSat: day.feesSat.mul(luck).toDecimalPlaces(0) };
      let sat = roundExpectedSat(expectedNetSat(workThSeconds(new Dec(hashrateThs), 86_400), paid, s.arrangement));
      if (s.id === 'gasflare-rechitsa' && underpaid.has(month)) sat = (sat * 88n) / 100n; // the underpaying pool
      return [{ site: s, sat }];
    });
  });
}

/** Builds the year [start, start + 365 days). Returns what the demo did, for the summary. */
export async function buildDemoYear(client: DemoClient, start: Date) {
  const random = prng(20_260_101);
  const t0 = start.getTime();
  const days = Array.from({ length: 365 }, (_, i) => t0 + i * DAY_MS);
  const list = demoSites();

  client.progress('sites, BYN tariffs and export prices');
  await registerSites(client, list, t0);
  client.progress('network statistics (difficulty retargets every two weeks), FX rates and BTC price marks');
  const network = await marketData(client, days, random);
  client.progress('a year of daily production reports with curtailed hours (energy cost posted to the ledger)');
  const dayRandom = prng(20_260_102);
  const siteDays: SiteDays = new Map(list.map((s) => [s.id, days.map((t, i) => s.day(i, new Date(t), dayRandom))]));
  const reports = await productionReports(client, list, days, siteDays);

  client.progress(`a regtest chain along the year (${BLOCKS_PER_DAY} blocks a day), payouts confirmed in it`);
  const chain = new DemoChain(client.fleet);
  const owed = poolPayouts(list, days, siteDays, network);
  const jitter = prng(20_260_303);
  const solo = list.find((x) => x.arrangement.kind === 'solo')!;
  let seed = 1;
  let payouts = 0;
  let orphaned = '';
  for (let c = 0; c < days.length; c += CHUNK_DAYS) {
    const chunk = days.slice(c, c + CHUNK_DAYS).map((t, k) => ({ t, i: c + k }));
    const sends: Record<string, unknown>[] = [];
    for (const { t, i } of chunk) {
      const payees = [];
      for (const p of owed[i]!)
        payees.push({
          ...p,
          to: await issueAddress(client, `${p.site.id} payout ${dayIso(t)}`, p.site.id, 'pool payout'),
        });
      const txs = payees.map((p) => paymentTx([{ script: p.to.script, valueSat: p.sat }], seed++));
      const last = i === days.length - 1;
      // The day's blocks, the last holding the pool payouts of 23:00; on a solo day, its block at noon.
      const slots = Array.from({ length: BLOCKS_PER_DAY }, (_, j) => ({
        at: blockTime(t, j, jitter()),
        payday: j === BLOCKS_PER_DAY - 1,
        solo: false,
      }));
      if (SOLO_DAYS.includes(i)) slots.push({ at: t + 12 * 3_600_000, payday: false, solo: true });
      for (const slot of slots.sort((a, b) => a.at - b.at)) {
        if (slot.payday && last) break; // the year's last payouts wait in the mempool
        if (slot.solo) {
          const lost = await soloBlock(client, chain, solo, network.get(dayIso(t))!, slot.at, i === SOLO_DAYS.at(-1));
          orphaned ||= lost;
          continue;
        }
        const block = await chain.connect(slot.at, { txs: slot.payday ? txs : [] });
        if (slot.payday) sends.push(...confirmedPayouts(block, payees, txs, slot.at));
      }
      if (last) sends.push(...unconfirmed(payees, txs, t + 23 * 3_600_000));
    }
    // Ordinary payouts in connected blocks: sent together, the webhook writes them as one group.
    await Promise.all(sends.map((e) => client.fleet(e as never)));
    payouts += sends.length;
    if (c % 60 === 0) client.progress(`  ${dayIso(chunk[0]!.t)}: height ${chain.tip.height}, ${payouts} payouts`);
  }
  client.progress('today: a transfer cold -> warm and one back, approved, cosigned, mined and confirmed');
  const spends = await demoSpends(client.api, client.spendKeys, chain, client.fleet as never);
  return {
    sites: list.map((s) => s.id),
    reports: reports.length,
    payouts,
    blocks: chain.connected,
    tipHeight: chain.tip.height,
    soloBlocks: SOLO_DAYS.length,
    orphaned,
    spends,
    from: dayIso(t0),
    to: dayIso(t0 + 365 * DAY_MS),
  };
}

type Tx = ReturnType<typeof paymentTx>;
type Paid = { site: DemoSite; sat: bigint; to: Payee };

function confirmedPayouts(block: RegtestBlock, payees: Paid[], txs: Tx[], at: number) {
  const proofs = proofsOf(block);
  return payees.map((p, k) => ({
    type: 'payout.received',
    timestamp: iso(at + 60_000),
    data: {
      ...payoutData(p, txs[k]!),
      block_height: block.height,
      block_hash: block.hash,
      tx_index: proofs[k + 1]!.txIndex,
      merkle_branch: proofs[k + 1]!.merkleBranch,
    },
  }));
}

function payoutData(p: Paid, tx: Tx) {
  return {
    site_id: p.site.id,
    pool: `${p.site.id}-pool`,
    txid: tx.getId(),
    vout: 0,
    address: p.to.address,
    amount_sat: p.sat.toString(),
    coinbase: false,
    raw_tx_hex: tx.toHex(),
  };
}

function unconfirmed(payees: Paid[], txs: Tx[], at: number) {
  return payees.map((p, k) => ({ type: 'payout.received', timestamp: iso(at), data: payoutData(p, txs[k]!) }));
}

/**
 * The solo site's block at `at`, its coinbase reported at once (so it is immature until 100
 * blocks later); when `orphan`, another miner's two blocks on its parent outweigh it right after.
 * Returns the orphaned block's hash ('' when none).
 */
async function soloBlock(
  client: DemoClient,
  chain: DemoChain,
  solo: DemoSite,
  day: NetworkDay,
  at: number,
  orphan: boolean,
): Promise<string> {
  const parent = chain.tip;
  const height = parent.height + 1;
  const to = await issueAddress(client, `${solo.id} block ${height}`, solo.id, 'solo coinbase');
  const reward = SUBSIDY_SAT + BigInt(day.feesSat.toFixed(0));
  const block = await chain.connect(at, { coinbase: { script: to.script, valueSat: reward }, tag: `demo/${solo.id}` });
  const cb = block.block.transactions![0]!;
  const [proof] = proofsOf(block);
  await client.fleet({
    type: 'payout.received',
    timestamp: iso(at + 60_000),
    data: {
      site_id: solo.id,
      pool: 'solo',
      txid: cb.getId(),
      vout: 0,
      address: to.address,
      amount_sat: reward.toString(),
      coinbase: true,
      block_height: height,
      block_hash: block.hash,
      raw_tx_hex: cb.toHex(),
      tx_index: proof!.txIndex,
      merkle_branch: proof!.merkleBranch,
    },
  });
  if (!orphan) return '';
  // Another miner's branch from the same parent: a tie at first (the first seen stays), then heavier.
  const rival = await chain.connect(at + 600_000, { parent, tag: 'demo/other-miner' });
  await chain.connect(at + 1_200_000, { parent: { height: rival.height, hash: rival.hash }, tag: 'demo/other-miner' });
  return block.hash;
}
