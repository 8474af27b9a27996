import type { ExportEntry } from '../../ledger/export/formats.js';

/** An entry read from a file, with the line it starts on. */
export interface EntryAt {
  entry: ExportEntry;
  line: number;
}
