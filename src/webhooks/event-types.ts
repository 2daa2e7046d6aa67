/**
 * The event types an endpoint may subscribe to: every type the directory writes to the
 * outbox (docs/audit.md "Events"), and `*` for all of them (docs/webhooks.md).
 */

/** Every outbox event type, sorted. */
export const EVENT_TYPES: readonly string[] = Object.freeze([
  'role.created', 'role.deleted', 'role.member_added', 'role.member_removed', 'role.permissions_changed', 'role.updated',
  'scim_setup.created', 'scim_setup.deleted', 'scim_setup.key_rotated', 'scim_setup.keys_revoked',
  'user.created', 'user.deactivated', 'user.deleted', 'user.deprovisioned', 'user.reactivated', 'user.restored',
  'user.suspended', 'user.unsuspended', 'user.updated',
]);

/** Subscribes to every type. */
export const ALL_EVENTS = '*';

/** Whether an endpoint subscribed to `events` receives an event of `type`. */
export function subscribes(events: readonly string[], type: string): boolean {
  return events.includes(ALL_EVENTS) || events.includes(type);
}
