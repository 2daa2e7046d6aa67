/**
 * RFC 7643 §3.1 common attributes: part of every resource, defined by no schema
 * (they are not listed in `/Schemas`), resolved for every resource type.
 */
import { attribute, complex } from './define.ts';
import type { AttributeDefinition } from './types.ts';

/** `id`, `externalId`, `meta` with the characteristics RFC 7643 §3.1 gives them. */
export const commonAttributes: readonly AttributeDefinition[] = Object.freeze([
  // RFC 7643 §3.1: issued by the service provider, never by the client; "always" returned.
  attribute('id', 'string', 'A unique identifier for a SCIM resource as defined by the service provider.', {
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
  }),
  attribute('externalId', 'string', 'A String that is an identifier for the resource as defined by the provisioning client.', {
    caseExact: true,
  }),
  complex(
    'meta',
    'A complex attribute containing resource metadata.',
    [
      attribute('resourceType', 'string', 'The name of the resource type of the resource.', {
        caseExact: true,
        mutability: 'readOnly',
      }),
      attribute('created', 'dateTime', 'The "DateTime" that the resource was added to the service provider.', {
        mutability: 'readOnly',
      }),
      attribute('lastModified', 'dateTime', 'The most recent DateTime that the details of this resource were updated at the service provider.', {
        mutability: 'readOnly',
      }),
      attribute('location', 'reference', 'The URI of the resource being returned.', {
        caseExact: true,
        mutability: 'readOnly',
        referenceTypes: ['uri'],
      }),
      attribute('version', 'string', 'The version of the resource being returned (its ETag).', {
        caseExact: true,
        mutability: 'readOnly',
      }),
    ],
    { mutability: 'readOnly' },
  ),
]);
