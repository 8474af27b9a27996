import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { verifyLedgerExport, VerifyError } from '../../../src/verify/verify.js';

/** A scratch folder for export files, removed by cleanup(). */
export function scratch() {
  const dir = mkdtempSync(join(tmpdir(), 'reserve-exports-'));
  let n = 0;
  return {
    dir,
    write(text: string, extension: string): string {
      const path = join(dir, `export-${++n}.${extension}`);
      writeFileSync(path, text);
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Verifies and expects a failure; returns the VerifyError (line and reason). */
export async function expectRejected(path: string): Promise<VerifyError> {
  try {
    await verifyLedgerExport(path);
  } catch (error) {
    expect(error).toBeInstanceOf(VerifyError);
    return error as VerifyError;
  }
  throw new Error(`${path} verified although it was tampered with`);
}

/** The file's lines, keeping its line ending, for tampering. */
export function linesOf(text: string): { lines: string[]; eol: string } {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(eol);
  return { lines, eol };
}
