// A realistic year for four sites, built through the real HTTP API and the signed fleet
// webhook: a hydro site with a spring surplus, a nuclear night-load site, a gas-flare site whose
// pool underpays for two months, and a solo site that finds a few blocks (one lost to a reorg).
// One month of the nuclear site's payouts never arrives. Tariffs are in BYN, valued in USD.
import { Dec } from '../../money/fiat.js';
import { expectedNetSat, type NetworkDay, type PoolArrangement, roundExpectedSat, workThSeconds } from '../expected.js';
import { coinbaseTx, mineBlock, paymentTx, type RegtestBlock } from '../../bitcoin/regtest.js';

export interface DemoClient {
  api(method: string, path: string, body?: unknown): Promise<unknown>;
  fleet(event: { type: string; timestamp: string; data: Record<string, unknown> }): Promise<unknown>;
  addresses: { address: string; script: Uint8Array }[];
  progress(line: string): void;
}

const DAY_MS = 86_400_000;
const SUBSIDY_SAT = 312_500_000n;

/** A small deterministic PRNG (mulberry32): the same demo every run. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface DemoSite {
  id: string;
  name: string;
  region: string;
  energy_source: string;
  pool: Record<string, string>;
  arrangement: PoolArrangement;
  energy_supplier: string;
  tariffs: { from: number; price: string }[];
  /** Average TH/s on day d of the year, and J/TH. */
  hashrate(day: Date): number;
  joulesPerTh: number;
  uptime(day: Date): string;
}

const pool = (scheme: 'fpps' | 'pps+', fee: string) => ({
  api: { kind: 'pool', scheme, fee_rate: fee },
  arrangement: { kind: 'pool' as const, scheme, feeRate: new Dec(fee) },
});

function sites(): DemoSite[] {
  const fppsHydro = pool('fpps', '0.02');
  const ppsNuclear = pool('pps+', '0.03');
  const fppsGas = pool('fpps', '0.025');
  return [
    {
      id: 'hydro-vitebsk',
      name: 'Vitebsk hydro',
      region: 'Vitebsk',
      energy_source: 'hydro',
      pool: fppsHydro.api,
      arrangement: fppsHydro.arrangement,
      energy_supplier: 'vitebskenergo',
      tariffs: [
        { from: 0, price: '0.085' },
        { from: 242, price: '0.092' },
      ],
      // Spring flood: April to June run 2.5 times the base 20 PH/s.
      hashrate: (d) => ([3, 4, 5].includes(d.getUTCMonth()) ? 50_000 : 20_000),
      joulesPerTh: 22,
      uptime: () => '0.97',
    },
    {
      id: 'nuclear-ostrovets',
      name: 'Ostrovets night load',
      region: 'Grodno',
      energy_source: 'nuclear',
      pool: ppsNuclear.api,
      arrangement: ppsNuclear.arrangement,
      energy_supplier: 'belaes',
      tariffs: [{ from: 0, price: '0.055' }],
      // 30 PH/s from 22:00 to 06:00 only: a daily average of 10 PH/s, up a third of the time.
      hashrate: () => 10_000,
      joulesPerTh: 21,
      uptime: () => '0.333333',
    },
    {
      id: 'gasflare-rechitsa',
      name: 'Rechitsa flare gas',
      region: 'Gomel',
      energy_source: 'gas_flare',
      pool: fppsGas.api,
      arrangement: fppsGas.arrangement,
      energy_supplier: 'belorusneft',
      tariffs: [{ from: 0, price: '0.02' }],
      hashrate: () => 8_000,
      joulesPerTh: 30,
      uptime: () => '0.93',
    },
    {
      id: 'solo-gomel',
      name: 'Gomel solo',
      region: 'Gomel',
      energy_source: 'grid',
      pool: { kind: 'solo' },
      arrangement: { kind: 'solo' },
      energy_supplier: 'gomelenergo',
      tariffs: [{ from: 0, price: '0.07' }],
      hashrate: () => 50_000,
      joulesPerTh: 24,
      uptime: () => '0.99',
    },
  ];
}

const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
const dayIso = (t: number) => new Date(t).toISOString().slice(0, 10);

/** Builds the year [start, start + 365 days). Returns what the demo did, for the summary. */
export async function buildDemoYear(client: DemoClient, start: Date) {
  const random = prng(20_260_101);
  const t0 = start.getTime();
  const days = Array.from({ length: 365 }, (_, i) => t0 + i * DAY_MS);
  const list = sites();

  client.progress('sites and BYN tariffs');
  for (const s of list) {
    await client.api('POST', '/v1/sites', {
      id: s.id,
      name: s.name,
      region: s.region,
      energy_source: s.energy_source,
      pool: s.pool,
      energy_supplier: s.energy_supplier,
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

  client.progress('network statistics, FX rates and BTC price marks');
  const network = new Map<string, NetworkDay>();
  const networkRows = days.map((t, i) => {
    const difficulty = new Dec('110000000000000').mul(new Dec(1).add(new Dec(i).mul('0.0006'))).toDecimalPlaces(2);
    const fees = new Dec(1_500_000 + Math.round(random() * 4_500_000));
    network.set(dayIso(t), { difficulty, subsidySat: SUBSIDY_SAT, feesSat: fees });
    return {
      day: dayIso(t),
      difficulty: difficulty.toFixed(),
      blocks: 140 + Math.round(random() * 10),
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

  client.progress('a year of daily production reports (energy cost posted to the ledger)');
  const reports = list.flatMap((s) =>
    days.map((t) => {
      const ths = s.hashrate(new Date(t));
      // The reported hashrate is the day's average (downtime included), so energy follows it.
      const kwh = new Dec(ths).mul(86_400).mul(s.joulesPerTh).div(3_600_000).toDecimalPlaces(3);
      return {
        site: s.id,
        period_start: iso(t),
        period_end: iso(t + DAY_MS),
        hashrate_ths: String(ths),
        energy_kwh: kwh.toFixed(),
        uptime: s.uptime(new Date(t)),
      };
    }),
  );
  for (let i = 0; i < reports.length; i += 250)
    await client.api('POST', '/v1/production', { reports: reports.slice(i, i + 250) });

  client.progress('daily pool payouts through the signed webhook (real regtest transactions)');
  let seed = 1;
  let payouts = 0;
  const missingMonth = new Date(t0 + 300 * DAY_MS).getUTCMonth();
  const underpaid = new Set([new Date(t0 + 210 * DAY_MS).getUTCMonth(), new Date(t0 + 240 * DAY_MS).getUTCMonth()]);
  for (const s of list.filter((x) => x.arrangement.kind === 'pool')) {
    for (const t of days) {
      // FPPS and PPS+ pools pay each day's expected value at 23:00 the same day.
      const arrival = t + 23 * 3_600_000;
      const month = new Date(arrival).getUTCMonth();
      if (s.id === 'nuclear-ostrovets' && month === missingMonth) continue; // the missing payouts
      const exact = expectedNetSat(
        workThSeconds(new Dec(s.hashrate(new Date(t))), 86_400),
        network.get(dayIso(t))!,
        s.arrangement,
      );
      let sat = roundExpectedSat(exact);
      if (s.id === 'gasflare-rechitsa' && underpaid.has(month)) sat = (sat * 88n) / 100n; // the underpaying pool
      const addr = client.addresses[payouts % client.addresses.length]!;
      const tx = paymentTx([{ script: addr.script, valueSat: sat }], seed++);
      await client.fleet({
        type: 'payout.received',
        timestamp: iso(arrival),
        data: {
          site_id: s.id,
          pool: `${s.id}-pool`,
          txid: tx.getId(),
          vout: 0,
          address: addr.address,
          amount_sat: sat.toString(),
          coinbase: false,
          raw_tx_hex: tx.toHex(),
        },
      });
      payouts++;
      if (payouts % 100 === 0) client.progress(`  ${payouts} payouts`);
    }
  }

  client.progress('solo blocks, and a reorg that orphans the last one');
  const solo = list.find((x) => x.id === 'solo-gomel')!;
  let prev = '00'.repeat(32);
  const blocks: RegtestBlock[] = [];
  const foundOn = [105, 214, 325, 339];
  for (const [i, d] of foundOn.entries()) {
    const height = 840_000 + i;
    const addr = client.addresses[i % client.addresses.length]!;
    const reward = SUBSIDY_SAT + BigInt(network.get(dayIso(days[d]!))!.feesSat.toFixed(0));
    const cb = coinbaseTx(height, [{ script: addr.script, valueSat: reward }], `demo/${solo.id}`);
    const block = mineBlock(height, prev, [cb], Math.floor((days[d]! + 43_200_000) / 1000));
    const at = iso(days[d]! + 43_200_000);
    await client.fleet({ type: 'block.connected', timestamp: at, data: { height, hash: block.hash, prev_hash: prev } });
    await client.fleet({
      type: 'payout.received',
      timestamp: at,
      data: {
        site_id: solo.id,
        pool: 'solo',
        txid: cb.getId(),
        vout: 0,
        address: addr.address,
        amount_sat: reward.toString(),
        coinbase: true,
        block_height: height,
        block_hash: block.hash,
        raw_tx_hex: cb.toHex(),
      },
    });
    blocks.push(block);
    prev = block.hash;
  }
  const orphan = blocks[blocks.length - 1]!;
  await client.fleet({
    type: 'block.disconnected',
    timestamp: iso(days[340]!),
    data: { height: orphan.height, hash: orphan.hash },
  });
  const replacement = mineBlock(
    orphan.height,
    orphan.prevHash,
    [coinbaseTx(orphan.height, [{ script: Buffer.from([0x51]), valueSat: SUBSIDY_SAT }], 'demo/other-miner')],
    Math.floor(days[340]! / 1000) + 60,
  );
  await client.fleet({
    type: 'block.connected',
    timestamp: iso(days[340]! + 60_000),
    data: { height: replacement.height, hash: replacement.hash, prev_hash: orphan.prevHash },
  });

  return {
    sites: list.map((s) => s.id),
    reports: reports.length,
    payouts,
    soloBlocks: foundOn.length,
    orphaned: orphan.hash,
    from: dayIso(t0),
    to: dayIso(t0 + 365 * DAY_MS),
  };
}
