import { listAudit, toAuditView } from '../audit/index.js';
import type { Ctx } from '../context.js';

const PAGE_ROWS = 1000;

export interface AuditExportRange {
  from?: Date;
  to?: Date;
}

export interface AuditExportSummary {
  first_seq: string | null;
  last_seq: string | null;
  count: number;
}

/**
 * The audit log as JSON Lines, oldest first, one row per line, read a page at a time by
 * sequence (keyset), so memory stays constant. `summary` is filled as the lines go out.
 */
export function auditLogLines(ctx: Ctx, range: AuditExportRange) {
  const summary: AuditExportSummary = { first_seq: null, last_seq: null, count: 0 };
  async function* lines(): AsyncGenerator<string> {
    let afterSeq: bigint | undefined;
    for (;;) {
      const rows = await listAudit(ctx.db, { afterSeq, from: range.from, to: range.to, limit: PAGE_ROWS });
      if (rows.length === 0) return;
      let chunk = '';
      for (const row of rows) {
        chunk += `${JSON.stringify(toAuditView(row))}\n`;
        summary.first_seq ??= row.seq.toString();
        summary.last_seq = row.seq.toString();
        summary.count++;
      }
      yield chunk;
      afterSeq = rows[rows.length - 1]!.seq;
      if (rows.length < PAGE_ROWS) return;
    }
  }
  return { lines: lines(), summary };
}
