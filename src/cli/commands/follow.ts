import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { Block, type Transaction } from 'bitcoinjs-lib';
import { Presets, SingleBar } from 'cli-progress';
import { type Command, Option } from 'commander';
import { CliFailure, type KeyOptions, readApiKey } from '../api-key.js';
import { sendSecret } from './fleet.js';
import { merkleBranchesDisplay, parseHeaderHex } from '../../chain/index.js';
import { createFleetSender, type FleetSender } from '../../payouts/index.js';
import { type CliIo, processIo } from '../offline.js';

// `reserve fleet follow`: runs next to the fleet's Bitcoin Core compatible node, reads its chain over
// JSON-RPC and posts signed events to Reserve (which stays air-gapped: the follower only posts to it).
// Every header in order (block.connected with header_hex), a payout.received with its merkle proof for
// every output paying a vault address, a tx.confirmed with its proof for every transaction spending a
// vault coin. Reorgs are found by comparing the node's chain with the cursor in the state file, which
// is written after each block: a restart resumes there. Webhook ids and bodies are derived from the
// block, so events re-sent after a crash are replays (same answer), never duplicates.

export const FOLLOW_FAILED = 1;
const RECENT_KEPT = 288; // two days of blocks remembered for finding a fork point
const ADDRESS_PAGE = 1000;
const BATCH_BLOCKS = 100;

export interface FollowOptions {
  rpcUrl: string;
  rpcAuth: { user: string; password: string } | { cookieFile: string };
  webhookUrl: string;
  secret: string;
  apiUrl: string;
  apiKey: string;
  stateFile: string;
  site: string;
  fromHeight: number;
  pollMs: number;
  /** Stop when caught up with the node (tests, cron); else poll for ever. */
  once: boolean;
  progress: boolean;
  retries: number;
  /** Blocks whose headers are posted before their payouts (default 100). */
  batchBlocks?: number;
}

export interface FollowState {
  height: number;
  hash: string | null;
  recent: { height: number; hash: string }[];
  /** Outpoints (txid:vout) that paid a vault address: spending one is a tx.confirmed. */
  coins: string[];
}

interface VaultAddress {
  address: string;
  site: string | null;
  pool: string | null;
}

async function backoff<T>(what: string, retries: number, fn: () => Promise<T>): Promise<T> {
  let wait = 200;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= retries || (error as { permanent?: boolean }).permanent) throw error;
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(wait * 2, 10_000);
    }
    void what;
  }
}

/** A JSON-RPC 1.0 client for bitcoind (cookie or user/password), retrying transport failures. */
export function rpcClient(url: string, auth: FollowOptions['rpcAuth'], retries: number) {
  const credentials = () =>
    'cookieFile' in auth ? readFileSync(auth.cookieFile, 'utf8').trim() : `${auth.user}:${auth.password}`;
  let id = 0;
  return async function call<T>(method: string, params: unknown[] = []): Promise<T> {
    return backoff(method, retries, async () => {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(credentials()).toString('base64')}`,
        },
        body: JSON.stringify({ jsonrpc: '1.0', id: ++id, method, params }),
      });
      if (response.status === 401) throw Object.assign(new Error('node RPC: 401 unauthorized'), { permanent: true });
      const text = await response.text();
      let body: { result?: T; error?: { code: number; message: string } | null };
      try {
        body = JSON.parse(text);
      } catch {
        throw new Error(`node RPC ${method}: HTTP ${response.status}, not JSON`);
      }
      if (body.error) {
        throw Object.assign(new Error(`node RPC ${method}: ${body.error.message} (${body.error.code})`), {
          permanent: true,
        });
      }
      return body.result as T;
    });
  };
}
export type Rpc = ReturnType<typeof rpcClient>;

/** The vault's scripts: every address of each policy and chain within its reach (issued, plus the gap window). */
export async function learnVault(apiUrl: string, apiKey: string, retries: number): Promise<Map<string, VaultAddress>> {
  const get = (path: string) =>
    backoff(path, retries, async () => {
      const r = await fetch(new URL(path, apiUrl), { headers: { authorization: `Bearer ${apiKey}` } });
      if (!r.ok) throw Object.assign(new Error(`Reserve API ${path}: ${r.status}`), { permanent: r.status < 500 });
      return (await r.json()) as Record<string, any>;
    });
  const vault = new Map<string, VaultAddress>();
  const { items: policies } = await get('/v1/policies');
  for (const policy of policies as { id: string }[]) {
    for (const chain of [0, 1]) {
      // The listing ends at the reach: the issued addresses and gap_limit past the last of them.
      let cursor: string | null = null;
      do {
        const query = `chain=${chain}&limit=${ADDRESS_PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page = await get(`/v1/policies/${encodeURIComponent(policy.id)}/addresses?${query}`);
        for (const a of page.items as Record<string, any>[])
          vault.set(a.script_pub_key, { address: a.address, site: a.site ?? null, pool: a.pool ?? null });
        cursor = page.next_cursor as string | null;
      } while (cursor);
    }
  }
  return vault;
}

export interface FollowEvent {
  id: string;
  body: { type: string; timestamp: string; data: Record<string, unknown> };
}

/** A short id derived from what the event is about (ids end up inside ledger source ids, at most 200). */
function eventId(kind: string, ...parts: (string | number)[]): string {
  return `follow_${kind}_${createHash('sha256').update(parts.join(':')).digest('hex').slice(0, 40)}`;
}

/** block.connected of a header: the same id and body from a block or from getblockheader. */
export function headerEvent(headerHex: string, height: number): FollowEvent {
  const header = parseHeaderHex(headerHex);
  return {
    id: `follow_${header.hash}`,
    body: {
      type: 'block.connected',
      timestamp: new Date(header.time * 1000).toISOString(),
      data: { height, hash: header.hash, prev_hash: header.prevHash, header_hex: headerHex },
    },
  };
}

/** The events one block implies, in order; `coins` gains the block's vault outputs. */
export function eventsOfBlock(
  block: Block,
  height: number,
  vault: ReadonlyMap<string, VaultAddress>,
  coins: Set<string>,
  site: string,
): FollowEvent[] {
  const hash = block.getId();
  const timestamp = new Date(block.timestamp * 1000).toISOString();
  const txs = block.transactions ?? [];
  const txids = txs.map((t) => t.getId());
  const events: FollowEvent[] = [headerEvent(Buffer.from(block.toBuffer(true)).toString('hex'), height)];
  const wanted: { index: number; tx: Transaction; spends: boolean; outs: number[] }[] = [];
  txs.forEach((tx, index) => {
    const spends =
      index > 0 && tx.ins.some((i) => coins.has(`${Buffer.from(i.hash).reverse().toString('hex')}:${i.index}`));
    const outs = tx.outs.flatMap((o, vout) => (vault.has(Buffer.from(o.script).toString('hex')) ? [vout] : []));
    // An output spent later in the same block is a vault coin by then.
    for (const vout of outs) coins.add(`${txids[index]}:${vout}`);
    if (spends || outs.length > 0) wanted.push({ index, tx, spends, outs });
  });
  const branches = merkleBranchesDisplay(
    txids,
    wanted.map((w) => w.index),
  );
  wanted.forEach(({ index, tx, spends, outs }, k) => {
    const txid = txids[index]!;
    const proof = { raw_tx_hex: tx.toHex(), tx_index: index, merkle_branch: branches[k]! };
    if (spends) {
      events.push({
        id: eventId('spend', hash, txid),
        body: { type: 'tx.confirmed', timestamp, data: { txid, block_height: height, block_hash: hash, ...proof } },
      });
    }
    for (const vout of outs) {
      const output = tx.outs[vout]!;
      const address = vault.get(Buffer.from(output.script).toString('hex'))!;
      events.push({
        id: eventId('payout', hash, txid, vout),
        body: {
          type: 'payout.received',
          timestamp,
          data: {
            site_id: address.site ?? site,
            pool: address.pool,
            txid,
            vout,
            address: address.address,
            amount_sat: output.value.toString(),
            coinbase: index === 0,
            block_height: height,
            block_hash: hash,
            ...proof,
          },
        },
      });
    }
  });
  return events;
}

export function readState(file: string, fromHeight: number): FollowState {
  if (!existsSync(file)) return { height: fromHeight - 1, hash: null, recent: [], coins: [] };
  return JSON.parse(readFileSync(file, 'utf8')) as FollowState;
}

function writeState(file: string, state: FollowState): void {
  // Written whole then renamed: a crash leaves the old cursor or the new, never half of one.
  writeFileSync(`${file}.tmp`, JSON.stringify(state));
  renameSync(`${file}.tmp`, file);
}

async function post(sender: FleetSender, event: FollowEvent): Promise<void> {
  const result = await sender.send(JSON.stringify(event.body), event.id);
  if (result.status >= 200 && result.status < 300) return;
  throw new Error(`Reserve refused ${event.body.type} ${event.id}: ${result.status} ${result.body.slice(0, 300)}`);
}

/** Steps the cursor back while the node's chain no longer holds it; says which blocks left. */
async function findFork(rpc: Rpc, state: FollowState): Promise<{ height: number; hash: string }[]> {
  const dropped: { height: number; hash: string }[] = [];
  while (state.hash !== null) {
    const nodeHash = await rpc<string>('getblockhash', [state.height]).catch(() => null);
    if (nodeHash === state.hash) break;
    dropped.push({ height: state.height, hash: state.hash });
    state.recent.pop();
    const previous = state.recent[state.recent.length - 1];
    if (!previous) throw new Error(`the node's chain forks below the ${RECENT_KEPT} blocks remembered; start over`);
    state.height = previous.height;
    state.hash = previous.hash;
  }
  return dropped;
}

/** Follows until caught up (once) or for ever; returns the exit code. */
export async function runFollow(
  options: FollowOptions,
  io: CliIo = processIo,
  rpc = rpcClient(options.rpcUrl, options.rpcAuth, options.retries),
): Promise<number> {
  const sender = createFleetSender({ url: options.webhookUrl, secret: options.secret, retries: options.retries });
  const state = readState(options.stateFile, options.fromHeight);
  const coins = new Set(state.coins);
  let bar: SingleBar | null = null;
  try {
    for (;;) {
      const vault = await learnVault(options.apiUrl, options.apiKey, options.retries);
      const info = await rpc<{ blocks: number }>('getblockchaininfo');
      const dropped = await findFork(rpc, state);
      for (const gone of dropped) {
        io.out(`reorg: block ${gone.height} ${gone.hash} left the node's best chain`);
        await post(sender, {
          id: eventId('disconnected', gone.hash),
          body: { type: 'block.disconnected', timestamp: new Date().toISOString(), data: gone },
        });
      }
      if (dropped.length > 0) {
        // The node's branch becomes Reserve's best chain only with all its headers: send them first.
        for (let height = state.height + 1; height <= info.blocks; height++) {
          const hash = await rpc<string>('getblockhash', [height]);
          await post(sender, headerEvent(await rpc<string>('getblockheader', [hash, false]), height));
        }
      }
      const behind = info.blocks - state.height;
      if (options.progress && behind > 1 && !bar) {
        bar = new SingleBar(
          { format: 'follow [{bar}] {value}/{total} blocks | {eta_formatted} left', stream: process.stderr },
          Presets.shades_classic,
        );
        bar.start(info.blocks, state.height);
      }
      while (state.height < info.blocks) {
        // Headers of a batch first, then its payouts and spends: after a reorg the node's branch is
        // the heavier one only once all its headers are in, and a re-mined payment names its new block.
        const batch: { height: number; hash: string; block: Block }[] = [];
        let prev = state.hash;
        for (
          let height = state.height + 1;
          height <= Math.min(info.blocks, state.height + (options.batchBlocks ?? BATCH_BLOCKS));
          height++
        ) {
          const hash = await rpc<string>('getblockhash', [height]);
          const block = Block.fromHex(await rpc<string>('getblock', [hash, 0]));
          if (prev !== null && Buffer.from(block.prevHash!).reverse().toString('hex') !== prev) break; // reorg mid-way
          batch.push({ height, hash, block });
          prev = hash;
        }
        if (batch.length === 0) break; // the node reorganised under us: next round finds the fork
        const events = batch.map((b) => eventsOfBlock(b.block, b.height, vault, coins, options.site));
        for (const e of events) await post(sender, e[0]!);
        for (const e of events) for (const event of e.slice(1)) await post(sender, event);
        const last = batch[batch.length - 1]!;
        state.height = last.height;
        state.hash = last.hash;
        state.recent = [...state.recent, ...batch.map((b) => ({ height: b.height, hash: b.hash }))].slice(-RECENT_KEPT);
        state.coins = [...coins];
        writeState(options.stateFile, state);
        bar?.update(last.height);
      }
      bar?.stop();
      bar = null;
      if (options.once && state.height >= info.blocks) {
        io.out(`caught up at ${state.height} ${state.hash}`);
        return 0;
      }
      await new Promise((r) => setTimeout(r, options.pollMs));
    }
  } catch (error) {
    io.out(`reserve fleet follow: ${(error as Error).message}`);
    return FOLLOW_FAILED;
  } finally {
    bar?.stop();
    sender.close();
  }
}

export const RPC_PASSWORD_REFUSED =
  "--rpc-password would put the node's password on the command line, where ps and the shell history show it: set RPC_PASSWORD with --rpc-user, or give the node's cookie file with --rpc-cookie";

/** Adds `follow` to the `fleet` group (registered before it in main.ts). */
export function registerFollowCommand(program: Command, io: CliIo = processIo) {
  const fleet = program.commands.find((c) => c.name() === 'fleet') ?? program.command('fleet');
  fleet
    .command('follow')
    .description("read a Bitcoin Core node's chain over JSON-RPC and post blocks, payouts and spends with proofs")
    .option('--rpc-url <url>', 'the node JSON-RPC URL', 'http://127.0.0.1:8332')
    .option('--rpc-cookie <file>', "the node's .cookie file")
    .option('--rpc-user <user>', 'RPC user (else the cookie)')
    .addOption(new Option('--rpc-password <password>', 'refused: use RPC_PASSWORD or --rpc-cookie').hideHelp())
    .option('--url <url>', 'the webhook URL', 'http://127.0.0.1:8080/v1/webhooks/fleet')
    .option(
      '--secret-file <file>',
      'file holding the signing secret (default: env FLEET_WEBHOOK_SECRET, else the first of FLEET_WEBHOOK_SECRETS)',
    )
    .option('--secret <whsec>', 'deprecated: the secret on the command line is visible in ps; prints a warning')
    .option('--api-url <url>', "Reserve's API, to learn the vault addresses", 'http://127.0.0.1:8080')
    .option('--key-file <file>', 'a file holding a reader API key (default: the key in RESERVE_API_KEY)')
    .addOption(new Option('--api-key <key>', 'refused: use RESERVE_API_KEY or --key-file').hideHelp())
    .option('--state <file>', 'the cursor file', 'follow-state.json')
    .option('--site <id>', 'site_id of payouts to addresses issued without a site', 'follower')
    .option('--from-height <n>', 'first height to post (a new state file only)', '1')
    .option('--poll-ms <ms>', 'how often to ask the node for new blocks', '5000')
    .option('--once', 'exit when caught up')
    .option('--retries <n>', 'retries of a failed call (backoff doubles to 10 s)', '8')
    .option('--no-progress', 'no progress bar')
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      if (opts.rpcPassword !== undefined) throw new CliFailure(RPC_PASSWORD_REFUSED);
      const apiKey = readApiKey(opts as KeyOptions, io.env);
      const secret = sendSecret(opts as { secret?: string; secretFile?: string }, io.env, (line) =>
        process.stderr.write(`${line}\n`),
      );
      const user = opts.rpcUser as string | undefined;
      const rpcAuth = user
        ? { user, password: io.env.RPC_PASSWORD ?? '' }
        : { cookieFile: (opts.rpcCookie as string | undefined) ?? `${io.env.HOME ?? '.'}/.bitcoin/.cookie` };
      const code = await runFollow(
        {
          rpcUrl: opts.rpcUrl as string,
          rpcAuth,
          webhookUrl: opts.url as string,
          secret,
          apiUrl: opts.apiUrl as string,
          apiKey,
          stateFile: opts.state as string,
          site: opts.site as string,
          fromHeight: Number(opts.fromHeight),
          pollMs: Number(opts.pollMs),
          once: opts.once === true,
          progress: opts.progress !== false && process.stderr.isTTY === true,
          retries: Number(opts.retries),
        },
        io,
      );
      if (code !== 0) process.exit(code);
    });
}
