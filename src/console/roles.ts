// Which pages and actions each role has in the console: the same rules as the JSON routes'
// requireRole (admin may do everything). Pure, so the nav and the guards read one table.
import type { Actor } from '../context.js';

export type ConsolePage = 'overview' | 'vaults' | 'coins' | 'production' | 'spends' | 'ledger' | 'reports' | 'audit';
export type ConsoleAction = 'issue_address' | 'export' | 'approve_spend' | 'sign_spend' | 'broadcast_spend';

const READERS = ['officer', 'approver', 'auditor'];

const PAGE_ROLES: Record<ConsolePage, string[]> = {
  overview: READERS,
  vaults: READERS,
  coins: READERS,
  production: READERS,
  spends: READERS,
  reports: READERS,
  ledger: ['auditor'],
  audit: ['auditor'],
};

const ACTION_ROLES: Record<ConsoleAction, string[]> = {
  issue_address: ['officer'],
  export: ['auditor'],
  approve_spend: ['approver'],
  sign_spend: ['officer', 'approver'],
  broadcast_spend: ['officer'],
};

export const mayRead = (actor: Actor, page: ConsolePage) =>
  actor.role === 'admin' || PAGE_ROLES[page].includes(actor.role);

export const mayDo = (actor: Actor, action: ConsoleAction) =>
  actor.role === 'admin' || ACTION_ROLES[action].includes(actor.role);

export const NAV: { page: ConsolePage; href: string; label: string }[] = [
  { page: 'overview', href: '/console', label: 'Overview' },
  { page: 'vaults', href: '/console/vaults', label: 'Vaults' },
  { page: 'coins', href: '/console/coins', label: 'Coins' },
  { page: 'production', href: '/console/production', label: 'Production' },
  { page: 'spends', href: '/console/spends', label: 'Spends' },
  { page: 'ledger', href: '/console/ledger', label: 'Ledger' },
  { page: 'reports', href: '/console/reports', label: 'Reports' },
  { page: 'audit', href: '/console/audit', label: 'Audit log' },
];
