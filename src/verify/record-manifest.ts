// The last line of a JSON Lines record export: `{"manifest": {...}}`, and where the body ends.
import { open } from 'node:fs/promises';
import { VerifyError } from './checker.js';

const MAX_MANIFEST_BYTES = 1 << 20;

export interface LocatedJsonlManifest {
  manifest: Record<string, unknown>;
  bodyBytes: number;
  /** 1-based line number of the manifest (for messages). */
  line: number;
}

/** Reads the manifest line at the end of the file; null when the last line is no manifest. */
export async function peekJsonlManifest(
  path: string,
): Promise<{ manifest: Record<string, unknown>; start: number } | null> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const window = Math.min(size, MAX_MANIFEST_BYTES);
    const buffer = Buffer.alloc(window);
    await handle.read(buffer, 0, window, size - window);
    const end = buffer[window - 1] === 0x0a ? window - 1 : window;
    const newline = buffer.lastIndexOf(0x0a, end - 1);
    const text = buffer.subarray(newline + 1, end).toString('utf8');
    if (!text.startsWith('{"manifest"')) return null;
    const parsed = JSON.parse(text) as { manifest?: unknown };
    if (typeof parsed.manifest !== 'object' || parsed.manifest === null) return null;
    return { manifest: parsed.manifest as Record<string, unknown>, start: size - window + newline + 1 };
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

export async function locateJsonlManifest(path: string): Promise<LocatedJsonlManifest> {
  const found = await peekJsonlManifest(path);
  if (!found) throw new VerifyError(0, 'no manifest on the last line: the export is incomplete (cut short?)');
  let lines = 1;
  if (found.start > 0) {
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(64 * 1024);
      for (let at = 0; at < found.start; at += buffer.length) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, found.start - at), at);
        for (let i = 0; i < bytesRead; i++) if (buffer[i] === 0x0a) lines++;
      }
    } finally {
      await handle.close();
    }
  }
  return { manifest: found.manifest, bodyBytes: found.start, line: lines };
}

/** Which kind of export the file is, from its manifest: a record export, or (else) a ledger export. */
export async function exportKindOf(path: string): Promise<'utxos' | 'audit-log' | 'ledger'> {
  const found = await peekJsonlManifest(path);
  const kind = found?.manifest.export;
  return kind === 'utxos' || kind === 'audit-log' ? kind : 'ledger';
}
