/**
 * The outbox events of a directory change (docs/audit.md "Events"). The payload is
 * the platform-side view: ids, names and the paths of the attributes that changed —
 * never a value that could be a password, an API key or a filter string.
 *
 * User events that describe the user (`user.created`, `user.updated`) carry its
 * `profile`: the platform's mapped profile (`toPlatformProfile`, docs/audit.md "Events"),
 * which holds no password (writeOnly attributes are never stored).
 *
 * Membership: one `role.member_added` / `role.member_removed` event per batch of at
 * most `MEMBER_BATCH` ids, so every id is delivered and no payload grows past a
 * bounded size (a PATCH adding 500 members gives 5 events of 100).
 */
import type { AttributeChange } from './change.ts';
import type { ResourceKind } from '../domain/resource.ts';
import type { ScimResource } from '../scim/schema/types.ts';
import type { PlatformProfile } from './profile.ts';

/** Most member ids in one membership event. */
export const MEMBER_BATCH = 100;

/** An event before it gets its id, time and sequence number. */
export interface EventDraft {
  readonly type: string;
  readonly payload: Record<string, unknown>;
}

/** A user's platform-side view in its events: the mapped profile (seed attribute table) and its role ids. */
export interface UserView {
  readonly profile: PlatformProfile;
  readonly roles: readonly string[];
}

/** The kinds of directory write the events describe. */
export type DirectoryOperation = 'create' | 'replace' | 'patch' | 'delete';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function identity(kind: ResourceKind, id: string, data: ScimResource | undefined): Record<string, unknown> {
  const name = kind === 'User' ? { userName: str(data?.['userName']) } : { displayName: str(data?.['displayName']) };
  const externalId = str(data?.['externalId']);
  return { id, ...name, ...(externalId !== undefined ? { externalId } : {}) };
}

function memberBatches(groupId: string, type: string, ids: readonly string[]): EventDraft[] {
  const out: EventDraft[] = [];
  const batches = Math.ceil(ids.length / MEMBER_BATCH);
  for (let i = 0; i < batches; i++) {
    const members = ids.slice(i * MEMBER_BATCH, (i + 1) * MEMBER_BATCH);
    out.push({ type, payload: { id: groupId, members, batch: i + 1, batches, count: ids.length } });
  }
  return out;
}

/**
 * The events of one change of a User (`user.*`) or Group (`role.*`). `attributes` are
 * the changed attributes (from `diffResource`), `added` / `removed` the member ids
 * the write actually added and removed (all of them, not the bounded audit list);
 * `view` the user's platform view after the write (mapped profile, role ids).
 */
export function directoryEvents(
  kind: ResourceKind, id: string, operation: DirectoryOperation, after: ScimResource | undefined,
  attributes: readonly AttributeChange[], added: readonly string[] = [], removed: readonly string[] = [],
  view?: UserView,
): EventDraft[] {
  const withProfile = view !== undefined ? { profile: view.profile, roles: view.roles } : {};
  const prefix = kind === 'User' ? 'user' : 'role';
  if (operation === 'delete') return [{ type: `${prefix}.deleted`, payload: { id } }];
  const out: EventDraft[] = [];
  if (operation === 'create') {
    const active = kind === 'User' && typeof after?.['active'] === 'boolean' ? { active: after['active'] } : {};
    out.push({ type: `${prefix}.created`, payload: { ...identity(kind, id, after), ...active, ...withProfile } });
  } else {
    const active = kind === 'User' ? attributes.find((a) => a.path === 'active') : undefined;
    const others = attributes.filter((a) => a !== active);
    if (others.length > 0) out.push({ type: `${prefix}.updated`, payload: { ...identity(kind, id, after), attributes: others.map((a) => a.path), ...withProfile } });
    if (active !== undefined) {
      // `active` false → true and true/absent → false (RFC 7643 §4.1.1 `active`).
      out.push({ type: active.after === false ? 'user.deactivated' : 'user.reactivated', payload: { id } });
    }
  }
  if (kind === 'Group') {
    out.push(...memberBatches(id, 'role.member_added', added), ...memberBatches(id, 'role.member_removed', removed));
  }
  return out;
}
