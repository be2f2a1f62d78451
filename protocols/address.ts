/**
 * Actor addresses: `kind/id`, scoped by tenant. Topics are addresses of kind `topic`
 * and a node's reply inbox is `inbox/<node>`, so every destination has one form.
 */
import { z } from 'zod';
import { ValidationError } from './errors.js';

const KIND = /^[a-z][a-z0-9_-]{0,63}$/;
const ID = /^[A-Za-z0-9_.:@*>+=-][A-Za-z0-9_.:@*>+=/-]{0,255}$/;
/** Longest address: a 64-character kind, the slash and a 256-character id. */
export const MAX_ADDRESS = 321;

/** What a tenant name matches (the envelope's hand-written check shares it with {@link tenantSchema}). */
export const TENANT = /^[A-Za-z0-9_-]{1,64}$/;
/** A tenant name: letters, digits, `_` and `-`, 1–64 characters. */
export const tenantSchema = z.string().regex(TENANT, 'a tenant is 1-64 of [A-Za-z0-9_-]');
/** An address string `kind/id`. */
export const addressSchema = z.string().max(MAX_ADDRESS).refine(isAddress, { message: 'an address is kind/id, e.g. agent/support' });

/** The tenant used when none is given. */
export const DEFAULT_TENANT = 'default';

/** An address split into its parts. */
export interface AddressParts {
  readonly kind: string;
  readonly id: string;
}

/** KIND, a slash, ID: a kind holds no slash, so the first slash of an address ends its kind. */
const ADDRESS = new RegExp(`^${KIND.source.slice(1, -1)}/${ID.source.slice(1)}`);

/** True when `s` is a well-formed `kind/id` address (one test, no slices: it runs for every envelope sent or taken). */
export function isAddress(s: string): boolean {
  return ADDRESS.test(s);
}

/** Splits `kind/id`; throws ValidationError on a malformed address. */
export function parseAddress(s: string): AddressParts {
  if (!isAddress(s)) throw new ValidationError(`malformed address "${s.slice(0, 80)}": expected kind/id, e.g. agent/support`);
  const slash = s.indexOf('/');
  return { kind: s.slice(0, slash), id: s.slice(slash + 1) };
}

/** Joins a kind and an id into an address, validating both. */
export function formatAddress(kind: string, id: string): string {
  if (!KIND.test(kind)) throw new ValidationError(`malformed kind "${kind.slice(0, 80)}": expected [a-z][a-z0-9_-]*`);
  const a = `${kind}/${id}`;
  parseAddress(a);
  return a;
}

/** The kind part of a valid address. */
export function kindOf(address: string): string {
  return address.slice(0, address.indexOf('/'));
}

/** The address a topic is published to. */
export function topicAddress(topic: string): string {
  return `topic/${topic}`;
}
