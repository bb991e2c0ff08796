import { abortReason, linkAbort, onAbort } from '../../common/abort.js';
import type { PolicyContext } from '../policy/policy.js';
import { TimeoutError, type TimeoutScope } from './timeout-error.js';

/**
 * Runs `fn` with a deadline: at `timeoutMs` the signal handed to `fn` is aborted with a
 * TimeoutError and the returned promise rejects with it at once, whether or not `fn` cooperates
 * (a gateway must not wait past its deadline for an upstream that ignores the abort). A caller's
 * abort is forwarded the same way. The timer is cleared as soon as the call settles.
 */
export function runWithTimeout<T>(
  fn: (ctx: PolicyContext) => Promise<T>,
  signal: AbortSignal,
  timeoutMs: number,
  scope: TimeoutScope,
  onTimeout?: (err: TimeoutError) => void,
): Promise<T> {
  const link = linkAbort(signal);
  if (link.signal.aborted) return Promise.reject(abortReason(link.signal));
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      unsubscribe();
      link.dispose();
      return true;
    };
    const timer = setTimeout(() => {
      const err = new TimeoutError(timeoutMs, scope);
      onTimeout?.(err);
      link.abort(err);
    }, timeoutMs);
    const unsubscribe = onAbort(link.signal, () => {
      if (finish()) reject(abortReason(link.signal));
    });
    let promise: Promise<T>;
    try {
      promise = fn({ signal: link.signal, attempt: 0 });
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      (value) => {
        if (finish()) resolve(value);
      },
      (error: unknown) => {
        if (finish()) reject(error);
      },
    );
  });
}
