/** Builds the per-actor context handed to handlers; sends made through it inherit from the current message. */
import { MailboxFullError, ValidationError, type Envelope } from '../protocols/index.js';
import type { ActorContext, Behavior, ChildInfo, MessageOptions, SpawnOptions } from './behavior.js';
import type { ActorCell } from './cell.js';
import type { ActorRef } from './ref.js';
import type { LocalActorSystem } from './system.js';
import type { Subscription } from './transport.js';

/** Makes the context of `cell`; one object per cell, reused for every message. */
export function makeContext(system: LocalActorSystem, cell: ActorCell): ActorContext {
  const subs = new Set<Subscription>();
  const toRef = (to: ActorRef | string): ActorRef => (typeof to === 'string' ? system.ref(to, cell.tenant) : to);
  const childCell = (child: ActorRef): ActorCell => {
    const c = system.cellOf(child);
    if (c === undefined || c.parent !== cell) throw new ValidationError(`${child.address} is not a child of ${cell.address}`);
    return c;
  };
  const ctx: ActorContext = {
    self: cell.ref,
    system,
    get state() {
      return cell.actorState;
    },
    set state(s: unknown) {
      cell.actorState = s;
    },
    get message(): Envelope | undefined {
      return cell.current;
    },
    get incarnation() {
      return cell.incarnation;
    },
    get epoch() {
      return cell.binding?.epoch ?? 0;
    },
    get holdsAddress() {
      return cell.holdsAddress();
    },
    get signal() {
      return cell.signal;
    },
    tell(to, type, payload, options?: MessageOptions) {
      return system.tell(toRef(to), type, payload, options, cell.current);
    },
    ask<R>(to: ActorRef | string, type: string, payload?: unknown, options?: MessageOptions) {
      return system.ask<R>(toRef(to), type, payload, options, cell.current);
    },
    publish(topic, payload, options) {
      return system.publish(topic, payload, { ...options, tenant: cell.tenant }, cell.current);
    },
    subscribe(pattern) {
      const sub = system.subscribe(
        pattern,
        (env) => {
          if (!cell.offer(env, null))
            cell.host.deadLetter(
              env,
              'mailbox_full',
              new MailboxFullError(`mailbox of ${cell.address} is full; topic message not delivered to this subscriber`),
              0,
            );
        },
        { tenant: cell.tenant },
      );
      subs.add(sub);
      return {
        unsubscribe() {
          sub.unsubscribe();
          subs.delete(sub);
        },
      };
    },
    spawnChild(address: string, behavior: Behavior<never>, options?: SpawnOptions) {
      return system.spawn(address, behavior as Behavior<unknown>, { tenant: cell.tenant, ...options, parent: cell.ref });
    },
    children(): ChildInfo[] {
      return system.childrenOf(cell.ref);
    },
    restartChild(child, delayMs = 0) {
      childCell(child).restartAfter(delayMs);
    },
    forgetChild(child) {
      const c = system.cellOf(child);
      if (c !== undefined && c.parent === cell && c.mode === 'exited') void c.end('terminate');
    },
    exit() {
      cell.exit();
    },
    stopChild(child) {
      return childCell(child).end('stop');
    },
    terminateChild(child) {
      return childCell(child).end('terminate');
    },
  };
  cell.onCleanup(() => {
    for (const s of subs) s.unsubscribe();
    subs.clear();
  });
  return ctx;
}
