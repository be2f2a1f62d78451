/**
 * A network-namespace lab for partition tests (issue 12): every member (a NATS server, a `troupe node`) gets a
 * namespace of its own, joined by a veth pair to one bridge in the root namespace, which also carries the lab's
 * gateway address (so the test process reaches every member). Cutting a member sets its bridge-side veth down: its
 * packets vanish without a reset, as on a pulled cable — the member notices only by its own timeouts. Healing
 * sets it up again.
 *
 * Names carry the test process's pid (`tp-<pid36>_<run>-<member>` namespaces, `tpb…`/`tpv…` links), so parallel
 * runs never collide and a new lab removes what dead runs left behind. Teardown deletes the namespaces (their veth
 * ends, and with them the peers, go too) and the bridge; it also runs at process exit.
 */
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { processAlive } from '../../cli/data-dir.js';

/** Why the lab cannot run here (not root, no `ip netns`), or undefined when it can. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'partition tests need root (network namespaces)';
  try {
    const probe = `tpprobe${process.pid.toString(36)}`;
    ip('netns', 'add', probe);
    ip('netns', 'del', probe);
    return undefined;
  } catch (e) {
    return `ip netns is unavailable: ${(e as Error).message.split('\n')[0] ?? ''}`;
  }
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Removes namespaces and links of labs whose test process is gone (an aborted run leaves them behind). */
function sweepStale(): void {
  const owner = (name: string): number | undefined => {
    const m = /^tp[-bv]([0-9a-z]+)_/.exec(name);
    return m === null ? undefined : parseInt(m[1] as string, 36);
  };
  for (const line of ip('netns', 'list').split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const pid = owner(name);
    if (pid !== undefined && !processAlive(pid)) ip('netns', 'del', name);
  }
  for (const line of ip('-o', 'link', 'show').split('\n')) {
    const name = /^\d+: ([^:@]+)/.exec(line)?.[1];
    if (name === undefined || !/^tp[bv]/.test(name)) continue;
    const pid = owner(name);
    if (pid !== undefined && !processAlive(pid)) {
      try {
        ip('link', 'del', name);
      } catch {
        /* went with its peer */
      }
    }
  }
}

/** One member of the lab: its namespace, address and the command prefix that runs a program inside it. */
export interface LabMember {
  readonly name: string;
  readonly ns: string;
  readonly ip: string;
  /** `ip netns exec <ns>`: prepend to a command to run it in the member's namespace. */
  readonly wrap: readonly string[];
  /** Bridge-side end of its veth pair (set down to cut the member off). */
  readonly link: string;
}

const labs = new Set<NetnsLab>();
process.once('exit', () => {
  for (const lab of labs) lab.teardownNow();
});

/** A bridge with members in namespaces of their own (see the file comment). */
export class NetnsLab {
  private readonly members = new Map<string, LabMember>();
  private readonly cutOff = new Set<string>();
  private closed = false;

  private constructor(
    /** `tp<pid36>_<run>`: the prefix of everything this lab makes. */
    readonly tag: string,
    readonly bridge: string,
    private readonly subnet: string,
  ) {}

  /** The root namespace's address on the lab bridge (the test process's side). */
  get gateway(): string {
    return `${this.subnet}.1`;
  }

  /** Makes the bridge (first removing what dead runs left). */
  static create(): NetnsLab {
    sweepStale();
    const run = randomInt(36 * 36)
      .toString(36)
      .padStart(2, '0');
    const tag = `${process.pid.toString(36)}_${run}`;
    const used = ip('-o', '-4', 'addr', 'show');
    let subnet = '';
    do subnet = `10.${randomInt(200, 250)}.${randomInt(0, 256)}`;
    while (used.includes(` ${subnet}.`));
    const lab = new NetnsLab(tag, `tpb${tag}`, subnet);
    labs.add(lab);
    try {
      ip('link', 'add', 'name', lab.bridge, 'type', 'bridge', 'forward_delay', '0', 'stp_state', '0');
      ip('addr', 'add', `${lab.gateway}/24`, 'dev', lab.bridge);
      ip('link', 'set', lab.bridge, 'up');
    } catch (e) {
      lab.teardownNow();
      throw e;
    }
    return lab;
  }

  /** Adds a member `name` (one of at most 36 per lab): a namespace, a veth pair to the bridge, an address. */
  add(name: string): LabMember {
    if (this.closed) throw new Error('lab is torn down');
    const index = this.members.size;
    if (index >= 36) throw new Error('at most 36 members per lab');
    const id = index.toString(36);
    const ns = `tp-${this.tag}-${name}`;
    const link = `tpv${this.tag}${id}`;
    const peer = `tpp${this.tag}${id}`;
    const address = `${this.subnet}.${10 + index}`;
    const member: LabMember = { name, ns, ip: address, wrap: ['ip', 'netns', 'exec', ns], link };
    this.members.set(name, member);
    ip('netns', 'add', ns);
    ip('link', 'add', link, 'type', 'veth', 'peer', 'name', peer);
    ip('link', 'set', peer, 'netns', ns);
    ip('-n', ns, 'link', 'set', peer, 'name', 'eth0');
    ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
    ip('-n', ns, 'link', 'set', 'eth0', 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('link', 'set', link, 'master', this.bridge);
    ip('link', 'set', link, 'up');
    return member;
  }

  /** True once `name` was added. */
  has(name: string): boolean {
    return this.members.has(name);
  }

  member(name: string): LabMember {
    const m = this.members.get(name);
    if (m === undefined) throw new Error(`no lab member ${name}`);
    return m;
  }

  /** Cuts `name` off the bridge: nothing in or out, no reset (a pulled cable). */
  cut(name: string): void {
    ip('link', 'set', this.member(name).link, 'down');
    this.cutOff.add(name);
  }

  /** Reconnects `name`. */
  heal(name: string): void {
    ip('link', 'set', this.member(name).link, 'up');
    this.cutOff.delete(name);
  }

  /** True while `name` is cut off. */
  isCut(name: string): boolean {
    return this.cutOff.has(name);
  }

  /** Deletes every namespace and link of the lab (idempotent; processes inside must be stopped first). */
  teardownNow(): void {
    if (this.closed) return;
    this.closed = true;
    labs.delete(this);
    for (const m of this.members.values()) {
      try {
        ip('netns', 'del', m.ns);
      } catch {
        /* already gone */
      }
      try {
        ip('link', 'del', m.link);
      } catch {
        /* went with its namespace */
      }
    }
    try {
      ip('link', 'del', this.bridge);
    } catch {
      /* already gone */
    }
  }
}
