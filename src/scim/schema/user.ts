/**
 * The core User schema (RFC 7643 §4.1), characteristics as in the schema
 * representation of RFC 7643 §8.7.1. Descriptions are ours.
 */
import { attribute, complex, deepFreeze, multiValuedSubs } from './define.ts';
import { ENTERPRISE_USER_SCHEMA, USER_SCHEMA } from './types.ts';
import type { ResourceTypeDefinition, SchemaDefinition } from './types.ts';

const str = (name: string, description: string) => attribute(name, 'string', description);

export const userSchema: SchemaDefinition = deepFreeze({
  id: USER_SCHEMA,
  name: 'User',
  description: 'User Account',
  attributes: [
    // RFC 7643 §4.1.1: REQUIRED, unique within the service provider, case-insensitive.
    attribute('userName', 'string', 'Unique identifier for the User, used to authenticate directly with the service provider.', {
      required: true,
      uniqueness: 'server',
    }),
    complex('name', "The components of the user's real name.", [
      str('formatted', 'The full name, formatted for display.'),
      str('familyName', 'The family name of the User.'),
      str('givenName', 'The given name of the User.'),
      str('middleName', 'The middle name(s) of the User.'),
      str('honorificPrefix', "The honorific prefix(es) of the User (e.g. 'Ms.')."),
      str('honorificSuffix', "The honorific suffix(es) of the User (e.g. 'III')."),
    ]),
    str('displayName', 'The name of the User, suitable for display to end-users.'),
    str('nickName', 'The casual way to address the user in real life.'),
    attribute('profileUrl', 'reference', "A fully qualified URL pointing to the User's online profile.", {
      referenceTypes: ['external'],
    }),
    str('title', "The user's title, such as 'Vice President'."),
    str('userType', 'The relationship between the organization and the user (e.g. Contractor, Employee).'),
    str('preferredLanguage', "The User's preferred written or spoken language (RFC 7231 Accept-Language format)."),
    str('locale', "The User's default location for localization (language tag, e.g. 'en-US')."),
    str('timezone', "The User's time zone in IANA Time Zone database format (e.g. 'America/Los_Angeles')."),
    attribute('active', 'boolean', "The User's administrative status."),
    // RFC 7643 §4.1.1 / §7: writeOnly, never returned.
    attribute('password', 'string', "The User's cleartext password, used to set or replace it; never returned.", {
      mutability: 'writeOnly',
      returned: 'never',
    }),
    complex('emails', 'Email addresses for the user.', multiValuedSubs('email address', {}, ['work', 'home', 'other']), {
      multiValued: true,
    }),
    complex(
      'phoneNumbers',
      'Phone numbers for the User.',
      multiValuedSubs('phone number', {}, ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
      { multiValued: true },
    ),
    complex(
      'ims',
      'Instant messaging addresses for the User.',
      multiValuedSubs('instant messaging address', {}, ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo']),
      { multiValued: true },
    ),
    complex(
      'photos',
      'URLs of photos of the User.',
      multiValuedSubs('photo', { type: 'reference', referenceTypes: ['external'] }, ['photo', 'thumbnail']),
      { multiValued: true },
    ),
    complex(
      'addresses',
      'A physical mailing address for this User.',
      [
        str('formatted', 'The full mailing address, formatted for display.'),
        str('streetAddress', 'The full street address component.'),
        str('locality', 'The city or locality component.'),
        str('region', 'The state or region component.'),
        str('postalCode', 'The zip code or postal code component.'),
        str('country', 'The country name component (ISO 3166-1 alpha-2).'),
        attribute('type', 'string', "A label indicating the address's function.", {
          canonicalValues: ['work', 'home', 'other'],
        }),
        // Not in the §8.7.1 listing, but RFC 7643 §4.1.2 gives addresses a "primary"
        // like every multi-valued attribute and the §8.2 example uses it.
        attribute('primary', 'boolean', "A Boolean value indicating the 'primary' or preferred address."),
      ],
      { multiValued: true },
    ),
    // RFC 7643 §4.1.2: groups is read-only; membership changes go through the Group resource.
    complex(
      'groups',
      'The groups the user belongs to, directly or indirectly.',
      [
        attribute('value', 'string', "The identifier of the User's group.", { mutability: 'readOnly' }),
        attribute('$ref', 'reference', 'The URI of the corresponding Group resource.', {
          mutability: 'readOnly',
          referenceTypes: ['User', 'Group'],
        }),
        attribute('display', 'string', 'A human-readable name, primarily used for display purposes.', {
          mutability: 'readOnly',
        }),
        attribute('type', 'string', "A label indicating the membership's function ('direct' or 'indirect').", {
          mutability: 'readOnly',
          canonicalValues: ['direct', 'indirect'],
        }),
      ],
      { multiValued: true, mutability: 'readOnly' },
    ),
    complex('entitlements', 'A list of entitlements for the User.', multiValuedSubs('entitlement'), { multiValued: true }),
    // RFC 7643 §8.7.1 lists `"canonicalValues": []` for roles.type: no canonical values.
    complex('roles', 'A list of roles for the User.', multiValuedSubs('role'), { multiValued: true }),
    complex(
      'x509Certificates',
      'A list of certificates issued to the User.',
      multiValuedSubs('X.509 certificate', { type: 'binary' }),
      { multiValued: true },
    ),
  ],
});

/** RFC 7643 §6 / §8.6: the User resource type, enterprise extension optional. */
export const userResourceType: ResourceTypeDefinition = deepFreeze({
  id: 'User',
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  schema: USER_SCHEMA,
  schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
});
