/** @jsxImportSource hono/jsx */
// The public reserve page (PUBLIC_PAGE=on): what a state publishes about its reserve, read from
// the latest proof of reserves and nothing of any session, so it is cacheable behind a CDN.
// Addresses appear only for vaults whose policy file says `disclose: addresses`.
import type { Hono } from 'hono';
import { Btc, Shell, Time } from '../layout.js';
import { documentOf, latestWitnessedCheckpoint, listPolicies, proofOfReserves, reportCheckpoint } from '../ports.js';
import { type ConsoleEnv, type ConsoleOptions, ConsoleRefusal } from '../router.js';

/** How long a CDN or browser may keep the page. */
const PUBLIC_MAX_AGE_S = 300;

export function publicRoutes(app: Hono<ConsoleEnv>, options: ConsoleOptions) {
  app.get('/public', async (c) => {
    if (!options.publicPage)
      throw new ConsoleRefusal(404, 'Not found', 'The public reserve page is off (PUBLIC_PAGE=on turns it on).');
    const ctx = c.var.ctx;
    const db = ctx.tx ?? ctx.db;
    const [proof, policies, witnessed, latest] = await Promise.all([
      proofOfReserves(ctx, { asOf: null }),
      listPolicies(ctx),
      latestWitnessedCheckpoint(db),
      reportCheckpoint(db),
    ]);
    const disclosed = policies.filter((p) => (documentOf(p) as { disclose?: string }).disclose === 'addresses');
    c.header('Cache-Control', `public, max-age=${PUBLIC_MAX_AGE_S}`);
    return c.html(
      <Shell title="The reserve">
        <main class="container" id="main">
          <h1>The reserve</h1>
          <p class="big" id="public-total">
            <Btc value={proof.total.amount_btc} />
          </p>
          <p>
            Held in {String(proof.total.utxos)} coins at the proof of reserves of <Time at={proof.generated_at} />
            {proof.chain_tip?.height != null ? `, block height ${proof.chain_tip.height}` : ''}. Ledger head{' '}
            {proof.ledger_head.ok ? (
              <code class="wrap">{(proof.ledger_head as { head_hash: string }).head_hash}</code>
            ) : (
              'unverified'
            )}
            .
          </p>
          <h2>Vaults whose addresses are disclosed</h2>
          {disclosed.length === 0 ? (
            <p>
              No vault discloses its addresses (a policy file says <code>disclose: addresses</code> to do so).
            </p>
          ) : (
            disclosed.map((p) => {
              const addresses = proof.addresses.filter((a) => a.policy_id === p.id);
              const descriptor = proof.descriptors.find((d) => d.policy_id === p.id);
              return (
                <section>
                  <h3>{documentOf(p).name}</h3>
                  <p>
                    Descriptor: <code class="wrap">{descriptor?.multipath ?? ''}</code>
                  </p>
                  <table class="striped">
                    <thead>
                      <tr>
                        <th scope="col">Address</th>
                        <th scope="col" class="r">
                          Amount
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {addresses.map((a) => (
                        <tr>
                          <td>
                            <code>{a.address}</code>
                          </td>
                          <td class="r">
                            <Btc value={a.amount_btc} />
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </section>
              );
            })
          )}
          <Checkpoint witnessed={witnessed} latest={latest} keys={options.transparency} />
          <h2>Check it yourself</h2>
          <ol>
            <li>
              Import each descriptor above into your own Bitcoin Core node, watch-only:{' '}
              <code>
                bitcoin-cli importdescriptors '[{'{'}"desc": "…", "timestamp": 0{'}'}]'
              </code>
              , then <code>bitcoin-cli getbalances</code>: the balance must equal the figure above.
            </li>
            <li>
              Or look up each disclosed address with <code>bitcoin-cli scantxoutset start '["addr(…)"]'</code>.
            </li>
            <li>
              Auditors holding a ledger export run <code>reserve verify &lt;export&gt;</code> offline: it recomputes the
              hash chain and must end at the ledger head above.
              {options.transparency && (
                <>
                  {' '}
                  With the log's key it also checks the export's signed checkpoint:{' '}
                  <code>
                    reserve verify &lt;export&gt; --log-key '{options.transparency.logKey}'
                    {options.transparency.witnessKeys.map((k) => ` --witness-key '${k}'`).join('')}
                    {options.transparency.witnessKeys.length > 0 ? ` --quorum ${options.transparency.quorum}` : ''}
                  </code>
                  .
                </>
              )}
            </li>
            {options.transparency && (
              <li>
                Run a witness of your own: <code>reserve witness keygen --name &lt;you&gt; --key witness.key</code>,
                give the printed key to the reserve's operators, then on a schedule{' '}
                <code>
                  reserve witness --url &lt;this site&gt; --api-key &lt;auditor key&gt; --key witness.key --state
                  witness-state.json --log-key '{options.transparency.logKey}'
                </code>
                . It checks each new checkpoint against the last one it saw and refuses (exit 1) if the log rewrote its
                history.
              </li>
            )}
          </ol>
        </main>
      </Shell>,
    );
  });
}

type WitnessedCheckpoint = Awaited<ReturnType<typeof latestWitnessedCheckpoint>>;
type LatestCheckpoint = Awaited<ReturnType<typeof reportCheckpoint>>;

/** The latest checkpoint a witness cosigned, its note, and the keys to check it with. */
function Checkpoint(props: {
  witnessed: WitnessedCheckpoint;
  latest: LatestCheckpoint;
  keys: ConsoleOptions['transparency'];
}) {
  const { witnessed, latest, keys } = props;
  return (
    <section aria-labelledby="checkpoint-h">
      <h2 id="checkpoint-h">The latest witnessed checkpoint</h2>
      {witnessed ? (
        <>
          <p id="checkpoint-summary">
            The ledger's first <strong>{witnessed.tree_size}</strong> entries have the Merkle root{' '}
            <code class="wrap" id="checkpoint-root">
              {witnessed.root}
            </code>
            , signed by the reserve's transparency log <Time at={witnessed.created_at} /> and cosigned by{' '}
            {witnessed.cosigned_by.join(', ')}
            {keys && keys.witnessKeys.length > 0
              ? ` (${witnessed.cosigned_by.length} of the ${keys.witnessKeys.length} witnesses listed; the quorum is ${keys.quorum})`
              : ''}
            .
          </p>
          <pre class="wrap" id="checkpoint-note">
            {witnessed.note}
          </pre>
        </>
      ) : (
        <p id="checkpoint-summary">
          No witness has cosigned a checkpoint yet
          {latest ? `; the log's latest checkpoint holds ${latest.tree_size} entries and waits for a witness.` : '.'}
        </p>
      )}
      {keys && (
        <p>
          <small>
            The log's verifier key: <code class="wrap">{keys.logKey}</code>
            {keys.witnessKeys.length > 0 ? (
              <>
                ; the witnesses' keys:{' '}
                {keys.witnessKeys.map((k, i) => (
                  <>
                    {i > 0 ? ', ' : ''}
                    <code class="wrap">{k}</code>
                  </>
                ))}
              </>
            ) : (
              '; no witnesses are listed (WITNESS_KEYS).'
            )}
          </small>
        </p>
      )}
    </section>
  );
}
