/**
 * The platform users, roles and webhook endpoints of a store used outside a transaction
 * (docs/architecture.md, Store): each read on a read connection, each write in its own
 * write transaction. Both stores build them here; they differ only in how they run a
 * read and a write. Also the guarded view a transaction's function gets (`transactionView`).
 */
import type { PlatformRoles, PlatformUsers, StoreTx } from './store.ts';
import type { ClaimExclusion, WebhookStore } from './webhooks.ts';

/** What one connection's operations offer (`SqliteOps`, `PgOps`). */
export interface ViewOps {
  readonly users: PlatformUsers;
  readonly roles: PlatformRoles;
  readonly webhooks: WebhookStore & { hasDue(now: string, exclude: ClaimExclusion): boolean | Promise<boolean> };
}

/** Runs `fn` on a connection's operations: a read, or a write in its own transaction. */
export type RunOps<O> = <T>(fn: (ops: O) => T | Promise<T>) => Promise<T>;

/** The views, reading through `read` and writing through `write`. */
export function outsideViews<O extends ViewOps>(read: RunOps<O>, write: RunOps<O>): { users: PlatformUsers; roles: PlatformRoles; webhooks: WebhookStore } {
  const users: PlatformUsers = {
    get: (...a) => read((o) => o.users.get(...a)),
    list: (...a) => read((o) => o.users.list(...a)),
    findHidden: (...a) => read((o) => o.users.findHidden(...a)),
    deprovisionPolicy: (...a) => read((o) => o.users.deprovisionPolicy(...a)),
    hide: (...a) => write((o) => o.users.hide(...a)),
    setSuspended: (...a) => write((o) => o.users.setSuspended(...a)),
    setDeprovisionPolicy: (...a) => write((o) => o.users.setDeprovisionPolicy(...a)),
    releaseAll: (...a) => write((o) => o.users.releaseAll(...a)),
    eraseHidden: (...a) => write((o) => o.users.eraseHidden(...a)),
  };
  const roles: PlatformRoles = {
    get: (...a) => read((o) => o.roles.get(...a)),
    list: (...a) => read((o) => o.roles.list(...a)),
    rolesOf: (...a) => read((o) => o.roles.rolesOf(...a)),
    isPlatform: (...a) => read((o) => o.roles.isPlatform(...a)),
    markPlatform: (...a) => write((o) => o.roles.markPlatform(...a)),
    permissionsOf: (...a) => read((o) => o.roles.permissionsOf(...a)),
    setPermissions: (...a) => write((o) => o.roles.setPermissions(...a)),
  };
  const webhooks: WebhookStore = {
    deliveryState: () => read((o) => o.webhooks.deliveryState()),
    create: (...a) => write((o) => o.webhooks.create(...a)),
    get: (...a) => read((o) => o.webhooks.get(...a)),
    list: (...a) => read((o) => o.webhooks.list(...a)),
    update: (...a) => write((o) => o.webhooks.update(...a)),
    rotateSecret: (...a) => write((o) => o.webhooks.rotateSecret(...a)),
    delete: (...a) => write((o) => o.webhooks.delete(...a)),
    eventSeq: (...a) => read((o) => o.webhooks.eventSeq(...a)),
    queueReplay: (...a) => write((o) => o.webhooks.queueReplay(...a)),
    listAttempts: (...a) => read((o) => o.webhooks.listAttempts(...a)),
    // An idle poll is a read: the write lock (or a write transaction) is taken only when something is due.
    claim: async (owner, now, leaseUntil, limit, exclude) =>
      (await read((o) => o.webhooks.hasDue(now, exclude))) ? write((o) => o.webhooks.claim(owner, now, leaseUntil, limit, exclude)) : [],
    nextReplay: (...a) => read((o) => o.webhooks.nextReplay(...a)),
    skipTo: (...a) => write((o) => o.webhooks.skipTo(...a)),
    finishHead: (...a) => write((o) => o.webhooks.finishHead(...a)),
    release: (...a) => write((o) => o.webhooks.release(...a)),
    recordAttempt: (...a) => write((o) => o.webhooks.recordAttempt(...a)),
  };
  return { users, roles, webhooks };
}

/**
 * The `StoreTx` handed to a transaction's function: the connection's operations, each
 * refusing use once `isActive()` is false (a transaction used after it ended is a bug,
 * never a write outside it). Both stores build it here.
 */
export function transactionView(w: StoreTx, isActive: () => boolean): StoreTx {
  const guard = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => (...a: A): Promise<R> =>
    isActive() ? f(...a) : Promise.reject(new Error('Store transaction used after it ended'));
  return {
    users: w.users,
    roles: w.roles,
    webhooks: w.webhooks,
    getResource: guard(w.getResource.bind(w)),
    insertResource: guard(w.insertResource.bind(w)),
    updateResource: guard(w.updateResource.bind(w)),
    deleteResource: guard(w.deleteResource.bind(w)),
    applyMembership: guard(w.applyMembership.bind(w)),
    changeMembership: guard(w.changeMembership.bind(w)),
    appendEvents: guard(w.appendEvents.bind(w)),
    createTenant: guard(w.createTenant.bind(w)),
    insertApiKey: guard(w.insertApiKey.bind(w)),
    expireApiKeys: guard(w.expireApiKeys.bind(w)),
    expireApiKey: guard(w.expireApiKey.bind(w)),
    updateTenant: guard(w.updateTenant.bind(w)),
    deleteTenant: guard(w.deleteTenant.bind(w)),
    existingIds: guard(w.existingIds.bind(w)),
    memberCount: guard(w.memberCount.bind(w)),
    query: guard(w.query.bind(w)),
  };
}
