// Beancount ledger export, read back line by line: directives first, then one transaction
// per entry whose metadata carries the exact hashed values. What beancount shows (account
// names, BTC in whole coins) must agree with that metadata, or the line is named.
import { beancountAccount, beancountNumber, type ExportEntry, type ExportPosting } from '../../ledger/pure.js';
import { VerifyError } from '../checker.js';
import { type Line, splitLines } from './lines.js';
import type { EntryAt } from './types.js';

const JSON_STRING = '"(?:[^"\\\\]|\\\\.)*"';
const TRANSACTION = new RegExp(`^(\\d{4}-\\d{2}-\\d{2}) \\* (${JSON_STRING}) (${JSON_STRING})$`);
const ENTRY_META = new RegExp(`^  ([a-z][a-z_]*): (${JSON_STRING})$`);
const POSTING_META = new RegExp(`^    ([a-z][a-z_]*): (${JSON_STRING})$`);
const POSTING = /^ {2}([A-Z][A-Za-z0-9:-]*) {2}(-?\d+(?:\.\d+)?) ([A-Z][A-Z0-9'._-]*)$/;
const OPEN = /^\d{4}-\d{2}-\d{2} open (\S+)$/;
const COMMODITY = /^\d{4}-\d{2}-\d{2} commodity (\S+)$/;
// Valuation and assertion directives: beancount checks them; the manifest holds what they state.
const OTHER_DIRECTIVE = /^\d{4}-\d{2}-\d{2} (price|balance|pad) \S/;

const REQUIRED_META = [
  'seq',
  'id',
  'occurred_at',
  'recorded_at',
  'source_type',
  'source_id',
  'actor',
  'prev_hash',
  'hash',
] as const;

interface Draft {
  line: number;
  date: string;
  kind: string;
  description: string;
  meta: Map<string, string>;
  postings: { shown: string; number: string; commodity: string; meta: Map<string, string>; line: number }[];
}

function decode(text: string, line: number): string {
  try {
    return JSON.parse(text) as string;
  } catch {
    throw new VerifyError(line, 'a string is not validly escaped');
  }
}

export class BeancountReader {
  private readonly opened = new Set<string>();
  private readonly commodities = new Set<string>();
  private draft: Draft | null = null;
  /** The account just opened, whose `reserve_account` metadata may follow. */
  private openAccount: string | null = null;

  /** Feeds one line; returns an entry when a transaction has just ended. */
  take(line: Line): EntryAt | null {
    const { text, number } = line;
    const draft = this.draft;
    if (draft) {
      let match = ENTRY_META.exec(text);
      if (match && draft.postings.length === 0) {
        if (draft.meta.has(match[1]!)) throw new VerifyError(number, `metadata ${match[1]} appears twice`);
        draft.meta.set(match[1]!, decode(match[2]!, number));
        return null;
      }
      match = POSTING.exec(text);
      if (match) {
        draft.postings.push({
          shown: match[1]!,
          number: match[2]!,
          commodity: match[3]!,
          meta: new Map(),
          line: number,
        });
        return null;
      }
      match = POSTING_META.exec(text);
      if (match && draft.postings.length > 0) {
        const posting = draft.postings[draft.postings.length - 1]!;
        if (posting.meta.has(match[1]!)) throw new VerifyError(number, `posting metadata ${match[1]} appears twice`);
        posting.meta.set(match[1]!, decode(match[2]!, number));
        return null;
      }
      if (text.startsWith(' '))
        throw new VerifyError(number, 'not a metadata line or a posting of the transaction above');
      this.draft = null;
      const done = this.finish(draft);
      this.takeOutside(line);
      return done;
    }
    this.takeOutside(line);
    return null;
  }

  end(): EntryAt | null {
    const draft = this.draft;
    this.draft = null;
    return draft ? this.finish(draft) : null;
  }

  private takeOutside({ text, number }: Line): void {
    const opened = this.openAccount;
    this.openAccount = null;
    const meta = opened !== null ? ENTRY_META.exec(text) : null;
    if (meta && opened !== null) {
      const exact = decode(meta[2]!, number);
      if (meta[1] === 'reserve_account' && beancountAccount(exact) !== opened)
        throw new VerifyError(number, `account ${opened} is not the beancount name of ${exact}`);
      this.openAccount = opened;
      return;
    }
    if (text === '' || text.startsWith(';') || text.startsWith('option ') || OTHER_DIRECTIVE.test(text)) return;
    let match = TRANSACTION.exec(text);
    if (match) {
      this.draft = {
        line: number,
        date: match[1]!,
        kind: decode(match[2]!, number),
        description: decode(match[3]!, number),
        meta: new Map(),
        postings: [],
      };
      return;
    }
    match = OPEN.exec(text);
    if (match) {
      this.opened.add(match[1]!);
      this.openAccount = match[1]!;
      return;
    }
    match = COMMODITY.exec(text);
    if (match) {
      this.commodities.add(match[1]!);
      return;
    }
    throw new VerifyError(number, 'not a directive or transaction this export writes');
  }

  private finish(draft: Draft): EntryAt {
    for (const field of REQUIRED_META) {
      if (!draft.meta.has(field)) throw new VerifyError(draft.line, `transaction has no ${field} metadata`);
    }
    const meta = (field: string) => draft.meta.get(field)!;
    if (!/^\d{1,19}$/.test(meta('seq')))
      throw new VerifyError(draft.line, `seq "${meta('seq')}" is not a sequence number`);
    if (draft.date !== meta('occurred_at').slice(0, 10)) {
      throw new VerifyError(
        draft.line,
        `transaction date ${draft.date} is not the date of occurred_at ${meta('occurred_at')}`,
      );
    }
    const postings: ExportPosting[] = draft.postings.map((p) => {
      const account = p.meta.get('account');
      const amount = p.meta.get('amount');
      if (account === undefined || amount === undefined)
        throw new VerifyError(p.line, 'posting has no account or amount metadata');
      if (beancountAccount(account) !== p.shown)
        throw new VerifyError(
          p.line,
          `account ${p.shown} is not the beancount name of ${account} (${beancountAccount(account)})`,
        );
      if (!this.opened.has(p.shown)) throw new VerifyError(p.line, `account ${p.shown} has no open directive`);
      if (!this.commodities.has(p.commodity)) throw new VerifyError(p.line, `commodity ${p.commodity} is not declared`);
      let shownNumber: string;
      try {
        shownNumber = beancountNumber(p.commodity, amount);
      } catch {
        shownNumber = '';
      }
      if (shownNumber !== p.number)
        throw new VerifyError(p.line, `amount ${p.number} ${p.commodity} differs from its exact amount ${amount}`);
      return {
        account,
        commodity: p.commodity,
        amount,
        price: p.meta.get('price') ?? null,
        cost: p.meta.get('cost') ?? null,
      };
    });
    const reverses = draft.meta.get('reverses_seq');
    const entry: ExportEntry = {
      seq: meta('seq'),
      id: meta('id'),
      occurred_at: meta('occurred_at'),
      recorded_at: meta('recorded_at'),
      kind: draft.kind,
      description: draft.description,
      source_type: meta('source_type'),
      source_id: meta('source_id'),
      actor: meta('actor'),
      reverses_seq: reverses ?? null,
      prev_hash: meta('prev_hash'),
      hash: meta('hash'),
      postings,
    };
    return { entry, line: draft.line };
  }
}

export async function* readBeancount(body: AsyncIterable<Buffer>): AsyncGenerator<EntryAt[]> {
  const reader = new BeancountReader();
  for await (const lines of splitLines(body)) {
    const batch: EntryAt[] = [];
    for (const line of lines) {
      const entry = reader.take(line);
      if (entry) batch.push(entry);
    }
    yield batch;
  }
  const last = reader.end();
  if (last) yield [last];
}
