import type { ExportEntry } from '../../ledger/pure.js';

/** An entry read from a file, with the line it starts on. */
export interface EntryAt {
  entry: ExportEntry;
  line: number;
}
