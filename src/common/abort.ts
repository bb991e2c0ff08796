/**
 * Cancellation helpers shared by the timeout, hedge and retry policies. They link an inner
 * AbortController to the caller's signal by hand (not `AbortSignal.any`, which on Node 20 keeps
 * every composite signal alive until the parent is collected) and always unlink when done.
 */

/** A controller aborted when `parent` aborts; call `dispose()` once the attempt settles. */
export interface LinkedAbort {
  readonly signal: AbortSignal;
  abort(reason: unknown): void;
  dispose(): void;
}

/** A signal that never aborts: the default when the caller passes none. */
export const neverAbortedSignal: AbortSignal = new AbortController().signal;

const noop = (): void => {};
const waiting = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Calls `listener` once when `signal` aborts; returns the unsubscribe function. However many
 * calls wait on one signal (a server's shutdown signal, the default signal), the signal gets a
 * single real listener, so Node never prints MaxListenersExceededWarning for our bookkeeping.
 * The caller checks `signal.aborted` first.
 */
export function onAbort(signal: AbortSignal, listener: () => void): () => void {
  if (signal === neverAbortedSignal) return noop;
  let listeners = waiting.get(signal);
  if (!listeners) {
    const fresh = new Set<() => void>();
    listeners = fresh;
    waiting.set(signal, fresh);
    signal.addEventListener(
      'abort',
      () => {
        waiting.delete(signal);
        for (const l of fresh) l();
      },
      { once: true },
    );
  }
  const set = listeners;
  set.add(listener);
  return () => {
    set.delete(listener);
  };
}

export function linkAbort(parent: AbortSignal): LinkedAbort {
  const controller = new AbortController();
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { signal: controller.signal, abort: noop, dispose: noop };
  }
  const dispose = onAbort(parent, () => controller.abort(parent.reason));
  return { signal: controller.signal, abort: (reason) => controller.abort(reason), dispose };
}

/** The reason a signal was aborted, as something throwable. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      resolve();
    }, ms);
    const unsubscribe = onAbort(signal, () => {
      clearTimeout(timer);
      reject(abortReason(signal));
    });
  });
}
