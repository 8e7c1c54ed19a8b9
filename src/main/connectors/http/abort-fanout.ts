/**
 * One "abort" listener per caller's signal (a run's, a preview's), however many requests,
 * limiter waits and back-off sleeps share it: the listener fans out to their callbacks. A run
 * with more than ten of them in flight then adds no eleventh listener (Node's
 * MaxListenersExceededWarning), and once the last is done nothing is left on the signal.
 */
const registry = new Map<AbortSignal, { callbacks: Set<() => void>; onAbort: () => void }>()

/** Calls `callback` once when `signal` aborts; the returned function unsubscribes. */
export function whenAborted(signal: AbortSignal, callback: () => void): () => void {
  let entry = registry.get(signal)
  if (!entry) {
    const callbacks = new Set<() => void>()
    const onAbort = () => {
      registry.delete(signal)
      for (const fn of [...callbacks]) fn()
      callbacks.clear()
    }
    entry = { callbacks, onAbort }
    registry.set(signal, entry)
    signal.addEventListener('abort', onAbort, { once: true })
  }
  const own = entry
  own.callbacks.add(callback)
  return () => {
    own.callbacks.delete(callback)
    if (own.callbacks.size === 0 && registry.get(signal) === own) {
      registry.delete(signal)
      signal.removeEventListener('abort', own.onAbort)
    }
  }
}
