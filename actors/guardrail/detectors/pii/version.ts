/**
 * Software versions, builds and OIDs written as dotted numbers ("4.6.0.1", "14.10.2.1", "4.0.30319.42000"), which
 * the IP and phone rules must not take for an address or a number. A dotted number is a version by its context: a
 * version word before it in the same clause ("versión del cliente 14.10.2.1", "build 6.4.12.0"), a field named like
 * one (`client_lib=`, `"app_version": "`, a CSV column `version_api`, a list `VERSIONS = [...]`), or an update verb
 * ("roll back to 6.4.11.3"). Words of network context (`ip=`, `from`, `host`, `server`) in between keep an address.
 */
import { lineStart } from '../text/pii-spans.js';
import { mayHoldTable, perText, tableCells } from './table.js';

/** Parts of a field name that name a version or what has one (`client_lib`, `appVersion`, `fw_rev`, `app`, `os`). */
const VERSION_PART = new Set([
  'version',
  'versions',
  'ver',
  'vers',
  'versión',
  'versiones',
  'versão',
  'versione',
  'lib',
  'libs',
  'library',
  'build',
  'builds',
  'release',
  'releases',
  'rel',
  'sdk',
  'firmware',
  'fw',
  'rev',
  'revision',
  'patch',
  'oid',
  'oids',
  // what carries a version ("app": "4.8.0.2", "os": "10.0.19045.1")
  'app',
  'os',
  'kernel',
]);
/** Parts of a field name that name a network address (`client_ip`, `remote_addr`, `xff`). */
const ADDRESS_PART = new Set([
  'ip',
  'ips',
  'ipv4',
  'addr',
  'address',
  'adresse',
  'host',
  'hostname',
  'src',
  'dst',
  'source',
  'dest',
  'destination',
  'peer',
  'remote',
  'gateway',
  'gw',
  'dns',
  'xff',
  'forwarded',
  'proxy',
  'upstream',
  'node',
  'server',
  'subnet',
  'mask',
  'route',
  'nat',
  'vip',
  'endpoint',
]);

/** Whether a field name names a version and no address ("client_lib", "VERSIONS", "version_api"; not "server", "client_ip"). */
export function versionKey(key: string): boolean {
  const parts = keyParts(key);
  return parts.some((p) => VERSION_PART.has(p)) && !parts.some((p) => ADDRESS_PART.has(p));
}

/** The words of a field name, lower-case (`appVersion` → app, version; `client_lib` → client, lib). */
function keyParts(key: string): string[] {
  return key
    .replace(/(\p{Ll})(\p{Lu})/gu, '$1 $2')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u);
}

/** A field name right before a value: `key=`, `key: `, `"key": "`, `key = '`. */
const KEY_BEFORE = /([\p{L}\p{N}_.-]{1,40})["']?[ \t]*[:=][ \t]*["']?$/u;
/** A version word, then a few words of no network context, in the same clause ("versión del cliente ", "SDK "). */
const WORD_BEFORE = new RegExp(
  '(?:^|[^\\p{L}])(?:version|versions|versión|versiones|versão|versione|ver\\.|vers\\.|v\\.|build|release|rel\\.|firmware|sdk|' +
    "patch|lib|library|app)(?![\\p{L}])((?:[ \\t]*[:=#]?[ \\t]*[\\p{L}'’-]+){0,3})[ \\t]*[:=#]?[ \\t]*[\"']?$",
  'iu',
);
/** Update verbs that move to a version ("update to", "roll back to", "downgrade auf", "actualizar a"). */
const UPDATE_BEFORE = new RegExp(
  '(?:^|[^\\p{L}])(?:update|updated|updating|upgrade|upgraded|upgrading|roll(?:ed|ing)?[ -]?back|rollback|downgrade|' +
    'downgraded|downgrading|revert|reverted|reverting|bump|bumped|pin|pinned|aktualisier\\p{L}*|actualiz\\p{L}*|' +
    "mettre à jour|mis à jour|mise à jour|revenir|zurück)((?:[ \\t]+[\\p{L}'’-]+){0,2})" +
    // "upgraded from 4.6.0.1 to 4.6.0.2": the version left behind, and the one after it
    '(?:[ \\t]+(?:from|von|de|desde)[ \\t]+v?\\d+(?:\\.\\d+)+)?[ \\t]+(?:to|auf|a|à|vers|zu|en|on|from|von|de|desde)[ \\t]+["\']?$',
  'iu',
);
/** Words of network context, which keep an address between a version word and the number. */
const ADDRESS_WORD = new RegExp(
  '(?:^|[^\\p{L}])(?:ip|ips|addr|address|adresse|dirección|direccion|host|hosts|server|servidor|serveur|from|desde|' +
    'depuis|von|aus|src|peer|remote|gateway|node|nodo|proxy|upstream|dns|via|at|to|on|behind|reach|reachable|' +
    'listening|listens|bound|binds|connect|connects|connected|connecting|ping|pings)(?![\\p{L}])',
  'iu',
);

/** Columns that hold versions ("version", "version_api", "client_lib", "appVersion"). */
const VERSION_HEADER = { test: versionKey };

/** The cells of the version columns of `text`: each cell's end by its start (read once per text). */
function versionCells(text: string): ReadonlyMap<number, number> {
  const ends = new Map<number, number>();
  if (mayHoldTable(text)) for (const c of tableCells(text, VERSION_HEADER)) ends.set(c.start, c.end);
  return ends;
}

/** Whether `[start, end)` is the value of a cell of a column named like a version (maybe quoted). */
function inVersionColumn(text: string, start: number, end: number): boolean {
  const ends = perText(text, VERSION_HEADER, () => versionCells(text));
  const cellEnd = ends.get(start) ?? ends.get(start - 1);
  return cellEnd !== undefined && end <= cellEnd;
}

/** The field a list that is open at `index` is assigned to (`VERSIONS = [`, `"versions": [`), or undefined. */
function listKey(text: string, index: number): string | undefined {
  const from = Math.max(0, index - 300);
  const window = text.slice(from, index);
  const open = from + window.lastIndexOf('[');
  if (open < from || from + window.lastIndexOf(']') > open) return undefined;
  return KEY_BEFORE.exec(text.slice(Math.max(0, open - 48), open))?.[1];
}

/** Words right before an address: "from", "von", "ip=", `"src": "`, "host ". */
const ADDRESS_BEFORE = new RegExp(
  '(?:^|[^\\p{L}])(?:from|von|desde|depuis|de|to|nach|ip|ips|addr|address|adresse|host|src|dst|client|server|servidor|' +
    'serveur|rechner|machine|máquina|peer|remote|' +
    'node|gateway|proxy|upstream|xff)["\']?[ \\t]*[:=]?[ \\t]*["\']?$',
  'iu',
);

/** Whether words right before `start` call what follows a network address ("Login-Versuch von 10.0.0.1", "ip=…"). */
export function addressContext(text: string, start: number): boolean {
  return ADDRESS_BEFORE.test(text.slice(lineStart(text, start, 24), start));
}

/** Whether the dotted number at `[start, end)` of `text` stands where a version does, not an address or a phone number. */
export function versionContext(text: string, start: number, end: number): boolean {
  const head = text.slice(lineStart(text, start, 60), start);
  const key = KEY_BEFORE.exec(head)?.[1];
  if (key !== undefined && versionKey(key)) return true;
  // A field of an address (`node=`, `client_ip=`, `"src": "`) holds one, whatever words come before it.
  if (key !== undefined && keyParts(key).some((p) => ADDRESS_PART.has(p))) return false;
  const word = WORD_BEFORE.exec(head);
  if (word !== null && !ADDRESS_WORD.test(word[1] ?? '')) return true;
  const update = UPDATE_BEFORE.exec(head);
  if (update !== null && !ADDRESS_WORD.test(update[1] ?? '')) return true;
  // A product token ("MyAgent/2.3.1.4") or a pre-release or build suffix ("4.6.0.1-beta", "1.2.3.4+b77").
  // A product is a name without dots (not a host or an address: "m.chen@globex.com/203.0.113.77").
  if (/(?:^|[\s(;,"'])\p{L}[\p{L}\p{N}_-]*\/$/u.test(head)) return true;
  if (/^(?:-(?:alpha|beta|rc|pre|snapshot|dev|final|release|stable|lts|hotfix|b\d)|\+[\p{L}\p{N}])/iu.test(text.slice(end, end + 10)))
    return true;
  const list = listKey(text, start);
  if (list !== undefined && versionKey(list)) return true;
  return inVersionColumn(text, start, end);
}
