/** The core Group schema (RFC 7643 §4.2, representation §8.7.1). */
import { attribute, complex, deepFreeze } from './define.ts';
import { GROUP_SCHEMA } from './types.ts';
import type { ResourceTypeDefinition, SchemaDefinition } from './types.ts';

export const groupSchema: SchemaDefinition = deepFreeze({
  id: GROUP_SCHEMA,
  name: 'Group',
  description: 'Group',
  attributes: [
    // RFC 7643 §4.2 calls displayName REQUIRED (the §8.7.1 listing says required
    // false and uniqueness none). Roster requires it and enforces it unique per
    // tenant, case-insensitively (Entra's validator and Okta group linking expect a
    // 409 on a duplicate name), so the data says what the server does.
    attribute('displayName', 'string', 'A human-readable name for the Group.', {
      required: true,
      uniqueness: 'server',
    }),
    complex(
      'members',
      'A list of members of the Group.',
      [
        // RFC 7643 §8.7.1: value, $ref and type are immutable. value is required here
        // (the listing says false): a member without an id cannot be stored.
        attribute('value', 'string', 'Identifier of the member of this Group.', { mutability: 'immutable', required: true }),
        attribute('$ref', 'reference', 'The URI corresponding to a SCIM resource that is a member of this Group.', {
          mutability: 'immutable',
          referenceTypes: ['User', 'Group'],
        }),
        // Not in the §8.7.1 listing; the §8.4 example and IdPs (Okta) send it.
        attribute('display', 'string', 'A human-readable name for the member.', { mutability: 'immutable' }),
        attribute('type', 'string', "A label indicating the type of resource, e.g. 'User' or 'Group'.", {
          mutability: 'immutable',
          canonicalValues: ['User', 'Group'],
        }),
      ],
      { multiValued: true },
    ),
  ],
});

/** RFC 7643 §6 / §8.6: the Group resource type. */
export const groupResourceType: ResourceTypeDefinition = deepFreeze({
  id: 'Group',
  name: 'Group',
  endpoint: '/Groups',
  description: 'Group',
  schema: GROUP_SCHEMA,
  schemaExtensions: [],
});
