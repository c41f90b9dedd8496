/**
 * Many short-lived listeners on one long-lived signal (the manager's shutdown, which every job
 * watches): one EventTarget listener per signal and a set, instead of adding and removing an
 * EventTarget listener per job.
 */
const listeners = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `fn` once when `signal` aborts (at once if it has); returns the function that stops watching. */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  if (signal.aborted) {
    fn();
    return () => undefined;
  }
  let set = listeners.get(signal);
  if (set === undefined) {
    const fresh = new Set<() => void>();
    set = fresh;
    listeners.set(signal, fresh);
    signal.addEventListener(
      "abort",
      () => {
        listeners.delete(signal);
        for (const f of [...fresh]) f();
      },
      { once: true },
    );
  }
  const own = set;
  own.add(fn);
  return () => {
    own.delete(fn);
  };
}
