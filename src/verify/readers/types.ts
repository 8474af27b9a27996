import type { ChainEntry, ExportEntry } from '../../ledger/pure.js';

/** An entry read from a file, with the line it starts on. */
export interface EntryAt {
  entry: ExportEntry;
  line: number;
}

/** An entry a fast reader read straight from the bytes: the chain's terms and its recomputed hash. */
export interface PreparedEntry extends ChainEntry {
  /** SHA-256 of the stated prev_hash's bytes and the canonical bytes, recomputed from the file. */
  recomputed: string;
}

/** Where the readers put what they read, in file order. */
export interface EntrySink {
  /**
   * Takes an entry a fast reader prepared when it keeps every rule of the chain; false (and
   * nothing taken) when not: the reader then reads it again the slow way, whose add() names why.
   */
  tryPrepared(entry: PreparedEntry, line: number): boolean;
  /** Takes an entry read the slow way; throws the VerifyError of the first rule it breaks. */
  add(entry: ExportEntry, line: number): void;
}
