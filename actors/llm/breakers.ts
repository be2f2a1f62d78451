/**
 * The circuit breakers of this process's model providers, as readiness sees them: every
 * {@link circuitBreaker} registers here (held weakly, so a breaker of an actor that ended goes with it),
 * and `/readyz` reports the node not ready while any is open — its provider is failing fast.
 */
import type { CircuitBreakerProvider, CircuitState } from './resilience.js';

const breakers = new Set<WeakRef<CircuitBreakerProvider>>();

/** Registers a breaker (circuitBreaker does it for every breaker it makes); returns it. */
export function trackBreaker<B extends CircuitBreakerProvider>(breaker: B): B {
  breakers.add(new WeakRef(breaker));
  return breaker;
}

/** Every live breaker of this process with its state (`open` ones make the node not ready). */
export function breakerStates(): { name: string; state: CircuitState }[] {
  const out: { name: string; state: CircuitState }[] = [];
  for (const ref of breakers) {
    const b = ref.deref();
    if (b === undefined) breakers.delete(ref);
    else out.push({ name: b.name, state: b.state });
  }
  return out;
}
