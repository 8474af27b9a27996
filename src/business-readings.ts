// The business metrics' scrape-time reader (src/http/metrics.ts): one cheap read per module
// through its door, side by side. Composed here, beside app.ts, because it reads several modules.
import type { Db } from '../db/client.js';
import { openAlertCounts, type SiteActivity } from './alerts/index.js';
import { tipForMetrics } from './chain/index.js';
import { holdingsByVaultAndState, lastPayoutBySite } from './coins/index.js';
import { SYSTEM_ACTOR } from './context.js';
import type { BusinessReadings } from './http/metrics.js';
import { ledgerHeadSeq } from './ledger/index.js';
import type { Logger } from './logger.js';
import { listSites } from './production/index.js';

export function businessReader(db: Db, log: Logger): () => Promise<BusinessReadings> {
  const ctx = { db, actor: SYSTEM_ACTOR, requestId: 'metrics', log };
  return async () => {
    const [holdings, head, tip, lastPayouts, openAlerts] = await Promise.all([
      holdingsByVaultAndState(db),
      ledgerHeadSeq(db),
      tipForMetrics(db),
      lastPayoutBySite(db),
      openAlertCounts(ctx),
    ]);
    return { holdings, ledgerHeadSeq: head, chainTip: tip, lastPayouts, openAlerts };
  };
}

/** Every site the reserve knows (registered, or seen in a payout) with its latest payout, for the silence check. */
export async function siteActivity(db: Db): Promise<SiteActivity[]> {
  const [sites, last] = await Promise.all([listSites(db), lastPayoutBySite(db)]);
  const byId = new Map<string, SiteActivity>();
  for (const s of sites) byId.set(s.id, { site_id: s.id, last_payout_at: null, registered_at: s.createdAt });
  for (const p of last) {
    const known = byId.get(p.site);
    byId.set(p.site, { site_id: p.site, last_payout_at: p.at, registered_at: known?.registered_at ?? null });
  }
  return [...byId.values()];
}
