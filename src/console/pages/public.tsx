/** @jsxImportSource hono/jsx */
// The public reserve page (PUBLIC_PAGE=on): what a state publishes about its reserve, read from
// the latest proof of reserves and nothing of any session, so it is cacheable behind a CDN.
// Addresses appear only for vaults whose policy file says `disclose: addresses`.
import type { Hono } from 'hono';
import { Btc, Shell, Time } from '../layout.js';
import { documentOf, listPolicies, proofOfReserves } from '../ports.js';
import { type ConsoleEnv, type ConsoleOptions, ConsoleRefusal } from '../router.js';

/** How long a CDN or browser may keep the page. */
const PUBLIC_MAX_AGE_S = 300;

export function publicRoutes(app: Hono<ConsoleEnv>, options: ConsoleOptions) {
  app.get('/public', async (c) => {
    if (!options.publicPage)
      throw new ConsoleRefusal(404, 'Not found', 'The public reserve page is off (PUBLIC_PAGE=on turns it on).');
    const ctx = c.var.ctx;
    const [proof, policies] = await Promise.all([proofOfReserves(ctx, { asOf: null }), listPolicies(ctx)]);
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
            {proof.chain_tip ? `, block height ${proof.chain_tip.height}` : ''}. Ledger head{' '}
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
            </li>
          </ol>
        </main>
      </Shell>,
    );
  });
}
