/**
 * The permission matrix (ADR 0025): which role may do what, as data in this one place. Every surface
 * (/ws frames, /acp routes, /mcp and /a2a methods, the admin routes) asks {@link requirePermission}
 * before acting, and docs/permissions.md is rendered from these tables (a test keeps them equal).
 * A key configured without roles gets `user`, which may do everything a non-admin key could before.
 */
import { gatewayError } from '../http.js';
import { ROLES, type Principal, type Role } from '../types.js';

/** Every permission a surface checks, with what it allows. */
export const PERMISSIONS = {
  'catalog:read': 'list agents, assistants, tools and workflows',
  'runs:create': 'start, resume and cancel runs of agents and workflows (/ws, /acp, /a2a, /hooks)',
  'threads:write': 'create, update, copy and delete threads',
  'threads:read:own': 'read threads and runs the caller created',
  'threads:read:tenant': "read other users' threads and runs in the tenant",
  'store:read': 'read the long-term store (/acp/store, MCP resources)',
  'store:write': 'write and delete long-term store items',
  'tools:call': 'call tools through /mcp',
  'topics:publish': 'publish to topics (/ws)',
  'topics:subscribe': 'subscribe to topics (/ws)',
  'guardrails:check': 'run the guardrail detectors on a text (/guardrails/check)',
  'guardrails:audit': 'read the guardrail audit log',
  'prompts:read': 'read and render prompt templates and personas',
  'prompts:manage': 'create template versions, move labels, write and delete personas',
  'feedback:write': 'give feedback on runs',
  'feedback:read': 'read feedback and feedback statistics',
  'experiments:manage': 'manage experiments and eval suites',
  'workflows:manage': 'manage workflow definitions',
  'finetune:manage': 'export datasets, run fine-tune jobs, switch agents to registered models (admins only)',
  'profiles:manage': "read and change other users' profiles",
  'keys:manage': 'create and revoke API keys',
  'deadletters:manage': 'list, inspect and redrive dead letters',
  'metrics:read': 'read /metrics',
  'health:details': 'see the details of /readyz (storage, NATS, disk, breakers)',
  'usage:read': "read the tenant's token and cost usage",
  'usage:read:all': "read every tenant's usage",
  'mesh:read': "see the mesh view: nodes, every tenant's actors on them, system events (/mesh)",
  'runs:read:all': "read any tenant's run timelines (/runs/{id}/timeline?tenant=)",
  'blueprints:manage': 'install, upgrade, list and remove blueprints (/blueprints)',
} as const;

/** A permission name. */
export type Permission = keyof typeof PERMISSIONS;

/** Every permission, in the order of {@link PERMISSIONS}. */
export const PERMISSION_NAMES = Object.keys(PERMISSIONS) as Permission[];

const RUN: Permission[] = [
  'catalog:read',
  'runs:create',
  'threads:write',
  'threads:read:own',
  'tools:call',
  'feedback:write',
  'feedback:read',
];
const COMMON: Permission[] = [
  ...RUN,
  'store:read',
  'store:write',
  'topics:publish',
  'topics:subscribe',
  'guardrails:check',
  'prompts:read',
  'usage:read',
];

/** What each role may do. `admin` may do everything, in its own tenant (and read every tenant's usage). */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  admin: PERMISSION_NAMES,
  operator: [
    'catalog:read',
    'threads:read:own',
    'threads:read:tenant',
    'store:read',
    'topics:subscribe',
    'guardrails:check',
    'guardrails:audit',
    'prompts:read',
    'feedback:read',
    'deadletters:manage',
    'metrics:read',
    'health:details',
    'usage:read',
  ],
  developer: [...COMMON, 'threads:read:tenant', 'prompts:manage', 'feedback:read', 'experiments:manage', 'workflows:manage'],
  user: COMMON,
  agent: COMMON,
  viewer: ['catalog:read', 'threads:read:own', 'store:read', 'prompts:read', 'usage:read'],
};

/** What each role is for (docs/permissions.md). */
export const ROLE_DESCRIPTIONS: Readonly<Record<Role, string>> = {
  admin: 'everything in its tenant: keys, audit log, dead letters, metrics; every tenant’s usage, run timelines and the mesh view',
  operator: 'runs the service: health details, metrics, dead letters, audit log, usage; reads threads but starts no runs',
  developer: 'builds agents: runs them, reads every thread of the tenant, manages templates, experiments, workflows',
  user: 'the default of a key without roles: runs agents and workflows, reads its own threads, gives and reads feedback',
  agent: 'a program calling the mesh: the same as user',
  viewer: 'read-only: the catalog, its own threads, the store and templates',
};

const GRANTS = new Map<Role, ReadonlySet<Permission>>(ROLES.map((r) => [r, new Set(ROLE_PERMISSIONS[r])]));

/** True when one of the caller's roles grants `permission`; an unknown role grants nothing. */
export function can(principal: Pick<Principal, 'roles'>, permission: Permission): boolean {
  return principal.roles.some((r) => GRANTS.get(r)?.has(permission) === true);
}

/** Roles that grant `permission`, for error messages and docs. */
export function rolesWith(permission: Permission): Role[] {
  return ROLES.filter((r) => GRANTS.get(r)?.has(permission) === true);
}

/** Throws `forbidden` (403) naming the missing permission and the roles that have it. */
export function requirePermission(principal: Pick<Principal, 'roles'>, permission: Permission, what?: string): void {
  if (can(principal, permission)) return;
  throw gatewayError(
    'forbidden',
    `${what === undefined ? '' : `${what}: `}missing permission ${permission} (granted to roles: ${rolesWith(permission).join(', ')})`,
    { permission },
  );
}

/** The matrix as a Markdown table (docs/permissions.md embeds it; a test checks they match). */
export function permissionMatrixMarkdown(): string {
  const head = `| permission | ${ROLES.join(' | ')} | allows |`;
  const rule = `|---|${ROLES.map(() => ':-:').join('|')}|---|`;
  const rows = PERMISSION_NAMES.map(
    (p) => `| \`${p}\` | ${ROLES.map((r) => (GRANTS.get(r)?.has(p) ? '✓' : '')).join(' | ')} | ${PERMISSIONS[p]} |`,
  );
  return [head, rule, ...rows].join('\n');
}
