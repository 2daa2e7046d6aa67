/**
 * Wakes the webhook worker after each committed write transaction of this process, so
 * a delivery starts right after the commit instead of at the next poll (docs/webhooks.md
 * "Delivery and ordering"). Other processes' commits are found by the poll.
 */
import type { Store } from '../store/store.ts';

/** `store`, whose `transaction` calls `wake` after it committed (not after a rollback). */
export function wakeAfterCommit(store: Store, wake: () => void): Store {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'transaction') {
        return async (fn: Parameters<Store['transaction']>[0]) => {
          const result = await target.transaction(fn);
          wake();
          return result;
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
