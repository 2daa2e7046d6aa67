/**
 * A store that reports its commits: the composition root gives the rest of Roster this
 * view of the store so the webhook worker starts right after each write this process
 * commits (docs/webhooks.md "Delivery and ordering"), instead of at its next poll.
 * It opens no transaction of its own: `transaction` is the store's, followed by the call.
 */
import type { Store } from './store.ts';

/** `store`, whose `transaction` calls `onCommit` once it committed (not after a rollback). */
export function notifyAfterCommit(store: Store, onCommit: () => void): Store {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'transaction') {
        return async (fn: Parameters<Store['transaction']>[0]) => {
          const result = await target.transaction(fn);
          onCommit();
          return result;
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
