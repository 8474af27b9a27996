import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { createFleetSender } from '../../payouts/index.js';
import { type CliIo, processIo } from '../offline.js';

// `reserve fleet send FILE`: signs and posts fleet events from a JSON Lines file, so that a site
// can backfill history. Each line is an event {type, timestamp, data}, optionally with "id" (the
// webhook-id; otherwise derived from the line, so sending the same file again is a harmless replay).
// Block events go one at a time in file order (the header tree takes a header only after its
// parent); the lines between two block events go side by side.

export const FLEET_SEND_FAILED = 1;
const MAX_LINE_BYTES = 256 * 1024;

export interface FleetSendOptions {
  url: string;
  secret: string;
  concurrency: number;
  retries: number;
  progress: boolean;
}

interface Line {
  number: number;
  id: string;
  body: string;
  /** A block event: sent alone, after every line before it has been answered. */
  chain: boolean;
}

/** Parses one JSONL line into a delivery, or says why it cannot be sent. */
export function deliveryOfLine(text: string, number: number): Line | { number: number; error: string } {
  if (Buffer.byteLength(text) > MAX_LINE_BYTES) return { number, error: `line is over ${MAX_LINE_BYTES} bytes` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { number, error: 'not valid JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { number, error: 'not a JSON object' };
  const { id, ...event } = parsed as Record<string, unknown>;
  if (id !== undefined && (typeof id !== 'string' || !/^[\x21-\x7e]{1,256}$/.test(id)))
    return { number, error: 'id must be 1-256 printable ASCII characters' };
  const body = JSON.stringify(event);
  return {
    number,
    id: (id as string | undefined) ?? `fleet_${createHash('sha256').update(body).digest('hex').slice(0, 32)}`,
    body,
    chain: event.type === 'block.connected' || event.type === 'block.disconnected',
  };
}

export async function runFleetSend(file: string, options: FleetSendOptions, io: CliIo = processIo): Promise<number> {
  const lines: Line[] = [];
  const unreadable: { number: number; error: string }[] = [];
  let number = 0;
  for await (const text of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
    number++;
    if (text.trim() === '') continue;
    const line = deliveryOfLine(text, number);
    if ('error' in line) unreadable.push(line);
    else lines.push(line);
  }
  if (unreadable.length > 0) {
    for (const u of unreadable.slice(0, 20)) io.out(`${file}:${u.number}: ${u.error}`);
    io.out(`${unreadable.length} unreadable line(s); nothing was sent`);
    return FLEET_SEND_FAILED;
  }
  const sender = createFleetSender({
    url: options.url,
    secret: options.secret,
    connections: options.concurrency,
    retries: options.retries,
  });
  const bar = options.progress
    ? new SingleBar(
        {
          format: 'fleet send [{bar}] {value}/{total} events | {eta_formatted} left | {failed} refused',
          stream: process.stderr,
        },
        Presets.shades_classic,
      )
    : null;
  bar?.start(lines.length, 0, { failed: 0 });
  const counts = new Map<number, number>();
  const refused: string[] = [];
  const sendLine = async (line: Line) => {
    let status = 0;
    let detail = '';
    try {
      const result = await sender.send(line.body, line.id);
      status = result.status;
      if (status >= 300) detail = (JSON.parse(result.body) as { detail?: string }).detail ?? result.body.slice(0, 200);
    } catch (error) {
      detail = (error as Error).message;
    }
    counts.set(status, (counts.get(status) ?? 0) + 1);
    if (status < 200 || status >= 300)
      refused.push(`${file}:${line.number} (${line.id}): ${status || 'no answer'} ${detail}`);
    bar?.increment(1, { failed: refused.length });
  };
  try {
    for (const segment of segmentsOf(lines)) {
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.max(1, Math.min(options.concurrency, segment.length)) }, async () => {
          while (next < segment.length) await sendLine(segment[next++]!);
        }),
      );
    }
  } finally {
    bar?.stop();
    sender.close();
  }
  for (const r of refused.slice(0, 50)) io.out(r);
  const summary = [...counts]
    .sort(([a], [b]) => a - b)
    .map(([s, n]) => `${n} x ${s || 'no answer'}`)
    .join(', ');
  io.out(`${lines.length} event(s) sent to ${options.url}: ${summary || 'none'}`);
  return refused.length > 0 ? FLEET_SEND_FAILED : 0;
}

/** The lines in sending order: each block event alone, the runs of other lines between them together. */
function segmentsOf(lines: Line[]): Line[][] {
  const segments: Line[][] = [];
  for (const line of lines) {
    const last = segments.at(-1);
    if (line.chain || !last || last[0]!.chain) segments.push([line]);
    else last.push(line);
  }
  return segments;
}

const WHSEC = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

/** A new Standard Webhooks signing secret: whsec_ and 32 random bytes in base64. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * The signing secret of `fleet send`, never from the command line by default (argv is visible in
 * `ps`): --secret-file, else FLEET_WEBHOOK_SECRET, else the first of FLEET_WEBHOOK_SECRETS.
 * --secret still works, with a warning, so that existing scripts keep running.
 */
export function sendSecret(
  opts: { secret?: string; secretFile?: string },
  env: Record<string, string | undefined>,
  warn: (line: string) => void,
): string {
  let secret: string | undefined;
  if (opts.secretFile) secret = readFileSync(opts.secretFile, 'utf8').trim();
  else if (opts.secret) {
    warn(
      'reserve: warning: --secret puts the secret on the command line, visible to other users in ps; use --secret-file or FLEET_WEBHOOK_SECRET',
    );
    secret = opts.secret;
  } else secret = env.FLEET_WEBHOOK_SECRET?.trim() || env.FLEET_WEBHOOK_SECRETS?.split(',')[0]?.trim();
  if (!secret || !WHSEC.test(secret))
    throw new Error(
      'a whsec_ secret is required: --secret-file FILE or FLEET_WEBHOOK_SECRET (make one with `reserve fleet secret`)',
    );
  return secret;
}

export function registerFleetCommands(program: Command, io: CliIo = processIo) {
  const fleet = program.command('fleet').description("the mining fleet's side of the webhook");
  fleet
    .command('secret')
    .description('print a new whsec_ signing secret for FLEET_WEBHOOK_SECRETS (the service) and the fleet sender')
    .action(() => io.out(newWebhookSecret()));
  fleet
    .command('send')
    .description(
      'sign (Standard Webhooks) and post the events of a JSON Lines FILE to the fleet webhook, with retries; exits 1 if any is refused',
    )
    .argument('<file>', 'JSON Lines file, one event {type, timestamp, data} per line, optional "id"')
    .option('--url <url>', 'the webhook URL', 'http://127.0.0.1:8080/v1/webhooks/fleet')
    .option(
      '--secret-file <file>',
      'file holding the signing secret (default: env FLEET_WEBHOOK_SECRET, else the first of FLEET_WEBHOOK_SECRETS)',
    )
    .option('--secret <whsec>', 'deprecated: the secret on the command line is visible in ps; prints a warning')
    .option('--concurrency <n>', 'deliveries in flight', '4')
    .option('--retries <n>', 'retries of a delivery that failed to connect or got a 5xx/429', '5')
    .option('--no-progress', 'no progress bar')
    .action(
      async (
        file: string,
        opts: {
          url: string;
          secret?: string;
          secretFile?: string;
          concurrency: string;
          retries: string;
          progress: boolean;
        },
      ) => {
        const secret = sendSecret(opts, io.env, (line) => process.stderr.write(`${line}\n`));
        const concurrency = Number(opts.concurrency);
        const retries = Number(opts.retries);
        if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256)
          throw new Error('--concurrency must be an integer 1-256');
        if (!Number.isInteger(retries) || retries < 0 || retries > 100)
          throw new Error('--retries must be an integer 0-100');
        const code = await runFleetSend(
          file,
          { url: opts.url, secret, concurrency, retries, progress: opts.progress && process.stderr.isTTY === true },
          io,
        );
        if (code !== 0) process.exitCode = code;
      },
    );
}
