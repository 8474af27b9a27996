// The demo's four sites and what they did each day of the year: a hydro site with a spring flood
// and curtailed hours in the dry months, a nuclear night-load site curtailed 16 hours a day, a
// gas-flare site with a week's outage and an underpaying pool, and a solo site. Pure, seeded.
import { Dec } from '../../money/fiat.js';
import type { PoolArrangement } from '../expected.js';

/** A small deterministic PRNG (mulberry32): the same demo every run. */
export function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One site's day: average hashrate (downtime and curtailment included), uptime, curtailed hours. */
export interface SiteDay {
  hashrateThs: number;
  uptime: string;
  curtailedHours: string | null;
}

export interface DemoSite {
  id: string;
  name: string;
  region: string;
  energy_source: string;
  pool: Record<string, string>;
  arrangement: PoolArrangement;
  energy_supplier: string;
  tariffs: { from: number; price: string }[];
  /** What a kWh would fetch exported to the grid instead, in BYN (optional). */
  exportPrice?: string;
  joulesPerTh: number;
  /** Day `i` of the year (`date` its start). */
  day(i: number, date: Date, random: () => number): SiteDay;
}

const pool = (scheme: 'fpps' | 'pps+', fee: string) => ({
  api: { kind: 'pool', scheme, fee_rate: fee },
  arrangement: { kind: 'pool' as const, scheme, feeRate: new Dec(fee) },
});

/** Days of the year the gas-flare site was down (a compressor failure), and a half day at the dam. */
export const GAS_OUTAGE = new Set([150, 151, 152, 153, 154, 155]);
export const HYDRO_HALF_DAY = 280;

const ran = (ths: number, hours: number) => Math.round((ths * hours) / 24);

export function demoSites(): DemoSite[] {
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
      exportPrice: '0.06',
      joulesPerTh: 22,
      // Spring flood: April to June run 50 PH/s all day; otherwise 20 PH/s, curtailed some hours
      // on a third of the days when the river gives no surplus.
      day: (i, date, random) => {
        if ([3, 4, 5].includes(date.getUTCMonth())) return { hashrateThs: 50_000, uptime: '0.97', curtailedHours: '0' };
        const curtailed = random() < 0.33 ? 1 + Math.floor(random() * 6) : 0;
        const hours = i === HYDRO_HALF_DAY ? 12 : 24 - curtailed;
        return {
          hashrateThs: ran(20_000, hours),
          uptime: (0.97 * (hours / 24)).toFixed(6),
          curtailedHours: String(i === HYDRO_HALF_DAY ? 0 : curtailed),
        };
      },
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
      exportPrice: '0.04',
      joulesPerTh: 21,
      // 30 PH/s from 22:00 to 06:00 only: curtailed the 16 hours the grid takes the plant's output.
      day: () => ({ hashrateThs: 10_000, uptime: '0.333333', curtailedHours: '16' }),
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
      joulesPerTh: 30,
      // Flare gas is never curtailed (nobody else takes it); the site reports no curtailment.
      day: (i) =>
        GAS_OUTAGE.has(i)
          ? { hashrateThs: 0, uptime: '0', curtailedHours: null }
          : { hashrateThs: 8_000, uptime: '0.93', curtailedHours: null },
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
      joulesPerTh: 24,
      day: () => ({ hashrateThs: 50_000, uptime: '0.99', curtailedHours: '0' }),
    },
  ];
}
