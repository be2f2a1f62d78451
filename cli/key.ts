/** `troupe key`: makes a gateway API key — the key (shown once) and the hashed entry for gateway.auth.keys. */
import { parseArgs } from 'node:util';
import { generateApiKey, ROLES, type Role } from '../gateway/index.js';
import type { Command } from './command.js';

const usage = `troupe key --tenant T [--roles user,agent,viewer,developer,operator,admin] [--id ID]
  Make a gateway API key: prints the key (shown once) and the entry for gateway.auth.keys
  (which stores only its hash).`;

async function key(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { tenant: { type: 'string' }, roles: { type: 'string' }, id: { type: 'string' } } });
  const roles = (values.roles ?? 'user').split(',').map((r) => r.trim());
  const bad = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (values.tenant === undefined || bad.length > 0) {
    console.error(
      `troupe key: ${values.tenant === undefined ? 'pass --tenant' : `unknown role(s) ${bad.join(', ')}; roles are ${ROLES.join(', ')}`}`,
    );
    return 2;
  }
  const { key: made, hash } = generateApiKey();
  console.log(`key (give it to the client; it is not stored): ${made}`);
  const entry = { id: values.id ?? `key-${Date.now().toString(36)}`, hash, tenant: values.tenant, roles: roles as Role[] };
  console.log(`gateway.auth.keys entry: ${JSON.stringify(entry)}`);
  return 0;
}

/** The `key` command. */
export const keyCommand: Command = { name: 'key', usage, run: key };
