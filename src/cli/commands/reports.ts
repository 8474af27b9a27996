import type { Command } from 'commander';
import { CliFailure, type KeyOptions, readApiKey, withKeyFile } from '../api-key.js';

// `reserve reports ...`: what an officer or auditor used to fetch with curl, from the running
// service's HTTP API. The key comes from RESERVE_API_KEY or --key-file, never the command line
// (it would show in `ps` and the shell history). The client below is shared with `reserve export`.

/** The service's own default (src/config.ts: HOST 127.0.0.1, PORT 8080). */
export const DEFAULT_URL = 'http://127.0.0.1:8080';

export interface ApiOptions extends KeyOptions {
  url?: string;
}

export { CliFailure };

/** Adds --url and --key-file to a command that calls the service. */
export function withApi(command: Command): Command {
  return withKeyFile(
    command.option('--url <url>', `the service's base URL (default: RESERVE_URL, else ${DEFAULT_URL})`),
  );
}

interface Problem {
  title?: string;
  status?: number;
  detail?: string;
  errors?: { field: string; reason: string }[];
}

/** A problem+json answer as lines: its title, its detail, then each errors[] entry in the service's order. */
export function problemLines(status: number, problem: Problem): string[] {
  const errors = Array.isArray(problem.errors) ? problem.errors : [];
  const entries = errors.map((e) => `${e.field}: ${e.reason}`);
  const lines = [`${problem.title ?? 'Error'} (HTTP ${problem.status ?? status})`];
  // The service's detail for a validation failure is the entries joined; print it only when it says more.
  if (problem.detail && problem.detail !== entries.join('; ')) lines.push(problem.detail);
  for (const entry of entries) lines.push(`  ${entry}`);
  return lines;
}

/** The body as a problem, when it is JSON (a proxy in front of the service may answer HTML). */
function problemOf(contentType: string | null, text: string): Problem | undefined {
  if (!/problem\+json|application\/json/.test(contentType ?? '')) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? (parsed as Problem) : undefined;
  } catch {
    return undefined;
  }
}

/** GETs path with query (unset values left out); a refusal or an unreachable service is a CliFailure. */
export async function apiGet(
  options: ApiOptions,
  path: string,
  query: Record<string, string | undefined>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Response> {
  const base = (options.url ?? env.RESERVE_URL ?? DEFAULT_URL).replace(/\/+$/, '');
  const key = readApiKey(options, env);
  let url: URL;
  try {
    url = new URL(`${base}${path}`);
  } catch {
    throw new CliFailure(`not a URL: ${base}`);
  }
  for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, value);
  let response: Response;
  try {
    response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new CliFailure(
      `cannot reach the service at ${base}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
    );
  }
  if (response.ok) return response;
  const text = await response.text();
  const problem = problemOf(response.headers.get('content-type'), text);
  if (problem) throw new CliFailure(problemLines(response.status, problem).join('\n'));
  throw new CliFailure(`${url.pathname}: HTTP ${response.status} ${response.statusText}\n${text.slice(0, 500)}`);
}

export async function apiJson<T>(options: ApiOptions, path: string, query: Record<string, string | undefined>) {
  return (await (await apiGet(options, path, query)).json()) as T;
}

/** Columns padded to their widest cell; columns named in `right` aligned right (amounts). */
export function table(header: string[], rows: string[][], right: number[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (right.includes(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const out = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
const dash = (value: string | null | undefined) => value ?? '-';

type Opts = ApiOptions & Record<string, string | boolean | undefined>;
const str = (value: unknown) => (typeof value === 'string' ? value : undefined);

interface PriceMark {
  currency: string;
  price: string;
  at: string;
  source: string;
}
const markLine = (label: string, mark: PriceMark | null) =>
  `${label}: ${mark ? `${mark.price} ${mark.currency} at ${mark.at} (${mark.source})` : 'none'}`;

interface Holdings {
  as_of: string;
  currency: string;
  price_mark: PriceMark | null;
  holdings: {
    policy_id: string;
    status: string;
    amount_btc: string;
    utxo_count?: number;
    fair_value: string | null;
    value_at_receipt: string | null;
    unrealized_gain: string | null;
    consistent?: boolean;
  }[];
  total_btc: string;
  totals: { fair_value: string | null; value_at_receipt: string | null; unrealized_gain: string | null };
  check: { ledger_equals_utxo_set: boolean | null; mismatches: string[]; detail?: string };
}

function printHoldings(h: Holdings) {
  const c = h.currency;
  const rows = h.holdings.map((r) => [
    r.policy_id,
    r.status,
    r.amount_btc,
    r.utxo_count === undefined ? '-' : String(r.utxo_count),
    dash(r.fair_value),
    dash(r.value_at_receipt),
    dash(r.unrealized_gain),
    r.consistent === undefined ? '-' : r.consistent ? 'yes' : 'NO',
  ]);
  const t = h.totals;
  rows.push(['total', '', h.total_btc, '', dash(t.fair_value), dash(t.value_at_receipt), dash(t.unrealized_gain)]);
  out(`Holdings as of ${h.as_of}`);
  out(markLine('Price mark', h.price_mark));
  out(
    table(
      ['policy', 'status', 'BTC', 'utxos', `fair value ${c}`, `at receipt ${c}`, `unrealized ${c}`, 'ledger=utxos'],
      rows,
      [2, 3, 4, 5, 6],
    ),
  );
  const check = h.check.ledger_equals_utxo_set;
  out(`Ledger equals UTXO set: ${check === null ? 'not compared (as_of)' : check ? 'yes' : 'NO'}`);
  for (const m of h.check.mismatches) out(`  mismatch: ${m}`);
  if (h.check.detail) out(`  ${h.check.detail}`);
}

interface Line {
  amount_btc: string;
  value: string | null;
}
interface RollForward {
  from: string;
  to: string;
  currency: string;
  opening_mark: PriceMark | null;
  closing_mark: PriceMark | null;
  opening: Line;
  additions: Line & { by_site: (Line & { site: string })[] };
  reversals: Line;
  dispositions: Line;
  other_additions: Line;
  remeasurement_gain_loss: { value: string | null };
  closing: Line;
  formula: string;
  check: { balanced: boolean };
}

function printRollForward(r: RollForward) {
  const row = (label: string, l: Line) => [label, l.amount_btc, dash(l.value)];
  out(`Bitcoin roll-forward ${r.from} to ${r.to}`);
  out(markLine('Opening mark', r.opening_mark));
  out(markLine('Closing mark', r.closing_mark));
  const rows = [
    row('opening', r.opening),
    row('additions', r.additions),
    ...r.additions.by_site.map((s) => row(`  ${s.site}`, s)),
    row('reversals', r.reversals),
    row('dispositions', r.dispositions),
    row('other additions', r.other_additions),
    ['remeasurement gain/loss', '', dash(r.remeasurement_gain_loss.value)],
    row('closing', r.closing),
  ];
  out(table(['line', 'BTC', `value ${r.currency}`], rows, [1, 2]));
  out(`${r.formula}`);
  out(`Balanced: ${r.check.balanced ? 'yes' : 'NO'}`);
}

interface Proof {
  as_of: string;
  height: number | null;
  chain_tip: { height: number | null; hash: string | null };
  ledger_head: { ok: true; entries: string; head_hash: string } | { ok: false; reason: string };
  descriptors: { policy_id: string; multipath: string }[];
  addresses: { address: string; policy_id: string; amount_btc: string; utxos: unknown[] }[];
  total: { utxos: number; amount_btc: string; immature_btc: string; available_btc: string; proven_btc: string };
  unconfirmed: { utxos: number; amount_btc: string };
}

function printProof(p: Proof) {
  out(`Proof of reserves as of ${p.as_of}, height ${p.height ?? '-'}`);
  out(`Chain tip: ${p.chain_tip.height ?? '-'} ${p.chain_tip.hash ?? ''}`.trimEnd());
  out(
    p.ledger_head.ok
      ? `Ledger head: ${p.ledger_head.entries} entries, ${p.ledger_head.head_hash}`
      : `Ledger head: BROKEN (${p.ledger_head.reason})`,
  );
  for (const d of p.descriptors) out(`Descriptor ${d.policy_id}: ${d.multipath}`);
  const rows = p.addresses.map((a) => [a.address, a.policy_id, String(a.utxos.length), a.amount_btc]);
  rows.push(['total', '', String(p.total.utxos), p.total.amount_btc]);
  out(table(['address', 'policy', 'utxos', 'BTC'], rows, [2, 3]));
  out(
    `Immature ${p.total.immature_btc} BTC, available ${p.total.available_btc} BTC, merkle-proven ${p.total.proven_btc} BTC`,
  );
  out(`Unconfirmed (outside the total): ${p.unconfirmed.utxos} utxo(s), ${p.unconfirmed.amount_btc} BTC`);
}

interface Reconciliation {
  from: string;
  to: string;
  granularity: string;
  reporting_currency: string;
  rows: {
    site: string;
    period: string;
    energy_mwh: string;
    expected_btc: string;
    actual_btc: string;
    variance_pct: string | null;
    flags: { code: string }[];
  }[];
  totals: { energy_mwh: string; expected_btc: string; actual_btc: string; variance_pct: string | null };
}

function printReconciliation(r: Reconciliation) {
  out(`Reconciliation ${r.from} to ${r.to} by ${r.granularity} (${r.reporting_currency})`);
  const rows = r.rows.map((row) => [
    row.site,
    row.period,
    row.energy_mwh,
    row.expected_btc,
    row.actual_btc,
    dash(row.variance_pct),
    row.flags.map((f) => f.code).join(' '),
  ]);
  const t = r.totals;
  rows.push(['total', '', t.energy_mwh, t.expected_btc, t.actual_btc, dash(t.variance_pct), '']);
  out(table(['site', 'period', 'MWh', 'expected BTC', 'actual BTC', 'variance %', 'flags'], rows, [2, 3, 4, 5]));
}

/** One report: its options mapped to the route's query, a table by default, --json the raw answer. */
function report<T>(
  command: Command,
  path: string,
  query: (o: Opts) => Record<string, string | undefined>,
  print: (answer: T) => void,
  csv = false,
) {
  withApi(command).option('--json', "print the service's JSON answer as it is");
  if (csv) command.option('--csv', "print the service's CSV");
  command.action(async (o: Opts) => {
    if (o.csv) {
      out(await (await apiGet(o, path, { ...query(o), format: 'csv' })).text());
      return;
    }
    const answer = await apiJson<T>(o, path, query(o));
    if (o.json) out(JSON.stringify(answer, null, 2));
    else print(answer);
  });
}

export function registerReportsCommands(program: Command) {
  const reports = program
    .command('reports')
    .description('the reports of the running service (its HTTP API; RESERVE_URL, RESERVE_API_KEY): tables, or --json');
  const times = (c: Command) =>
    c
      .option('--as-of <time>', 'valid time, RFC 3339 (default: now)')
      .option('--known-at <time>', 'only what the reserve had recorded by then, RFC 3339');
  report<Holdings>(
    times(
      reports.command('holdings').description('holdings per policy and status, valued, beside the UTXO set'),
    ).option('--currency <code>', 'value in this ISO 4217 currency (default: the reporting currency)'),
    '/v1/reports/holdings',
    (o) => ({ as_of: str(o.asOf), known_at: str(o.knownAt), currency: str(o.currency) }),
    printHoldings,
  );
  report<RollForward>(
    reports
      .command('rollforward')
      .description('the bitcoin roll-forward over [from, to): opening, additions by site, dispositions, closing')
      .option('--from <time>', 'start, RFC 3339')
      .option('--to <time>', 'end, RFC 3339')
      .option('--currency <code>', 'ISO 4217 currency (default: the reporting currency)'),
    '/v1/reports/rollforward',
    (o) => ({ from: str(o.from), to: str(o.to), currency: str(o.currency) }),
    printRollForward,
  );
  report<Proof>(
    times(reports.command('proof').description('proof of reserves: descriptors, addresses with coins, total, tip')),
    '/v1/reports/proof-of-reserves',
    (o) => ({ as_of: str(o.asOf), known_at: str(o.knownAt) }),
    printProof,
    true,
  );
  report<Reconciliation>(
    reports
      .command('reconciliation')
      .description('per site and period: energy, expected and actual BTC, variance, flags')
      .option('--from <day>', 'first UTC day, YYYY-MM-DD')
      .option('--to <day>', 'the day after the last, YYYY-MM-DD')
      .option('--site-id <id>', 'one site')
      .option('--granularity <unit>', 'day or month (default: month)')
      .option('--missing-payout-days <n>', 'flag a site with no payout for this many days (default: 2)')
      .option('--currency <code>', 'ISO 4217 currency (default: the reporting currency)'),
    '/v1/reconciliation',
    (o) => ({
      from: str(o.from),
      to: str(o.to),
      site_id: str(o.siteId),
      granularity: str(o.granularity),
      missing_payout_days: str(o.missingPayoutDays),
      currency: str(o.currency),
    }),
    printReconciliation,
    true,
  );
}
