import { type Ctx, withTransaction } from '../context.js';
import type { Logger } from '../logger.js';
import { raiseAlertOnce } from './service.js';

// A site that has not been paid for PAYOUT_SILENCE_DAYS (docs/operations.md, "Alerts"): checked by
// a periodic job (startPayoutSilenceJob, every PAYOUT_SILENCE_CHECK_INTERVAL_S) over what the
// caller reads (server.ts composes the production and coins doors). One open alert per site.

export interface SiteActivity {
  site_id: string;
  /** The latest payout received for the site, null when none ever was. */
  last_payout_at: Date | null;
  /** When the site was registered (a site never paid is silent from then), null if unregistered. */
  registered_at: Date | null;
}

const DAY_MS = 86_400_000;

/** The sites silent for `days` at `now`: no payout (or, never paid, no registration) since now - days. */
export function silentSites(sites: SiteActivity[], days: number, now: Date): SiteActivity[] {
  const cutoff = now.getTime() - days * DAY_MS;
  return sites.filter((s) => {
    const since = s.last_payout_at ?? s.registered_at;
    return since !== null && since.getTime() < cutoff;
  });
}

/** Raises site.payouts_missing for each silent site without an open one; returns the ids raised. */
export async function checkPayoutSilence(
  ctx: Ctx,
  input: { sites: SiteActivity[]; days: number; now?: Date },
): Promise<string[]> {
  const now = input.now ?? new Date();
  const silent = silentSites(input.sites, input.days, now);
  if (silent.length === 0) return [];
  return withTransaction(ctx, async (tx) => {
    const raised: string[] = [];
    for (const site of silent) {
      const last = site.last_payout_at;
      const { alert, raised: isNew } = await raiseAlertOnce(tx, {
        kind: 'site.payouts_missing',
        message: last
          ? `site ${site.site_id} has had no payout for over ${input.days} day(s): the last was at ${last.toISOString()}`
          : `site ${site.site_id} has never had a payout, ${input.days} day(s) after it was registered`,
        details: {
          site_id: site.site_id,
          days: input.days,
          last_payout_at: last?.toISOString() ?? null,
          checked_at: now.toISOString(),
        },
        source: `site:${site.site_id}`,
      });
      if (isNew) raised.push(alert.id);
    }
    return raised;
  });
}

export interface SilenceJob {
  stop(): Promise<void>;
}

/** Runs checkPayoutSilence now and every intervalS; a failed run is logged and retried next time. */
export function startPayoutSilenceJob(
  ctx: Ctx,
  options: { days: number; intervalS: number; readSites: () => Promise<SiteActivity[]>; log: Logger },
): SilenceJob {
  let running: Promise<void> | null = null;
  const tick = () => {
    running ??= (async () => {
      try {
        const raised = await checkPayoutSilence(ctx, { sites: await options.readSites(), days: options.days });
        if (raised.length > 0) options.log.warn({ alerts: raised }, 'sites without payouts');
      } catch (error) {
        options.log.warn({ err: error }, 'payout silence check failed; retrying at the next interval');
      } finally {
        running = null;
      }
    })();
  };
  const timer = setInterval(tick, options.intervalS * 1000);
  timer.unref();
  tick();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
