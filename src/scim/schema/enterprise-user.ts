/** The Enterprise User extension (RFC 7643 §4.3, representation §8.7.1). */
import { attribute, complex, deepFreeze } from './define.ts';
import { ENTERPRISE_USER_SCHEMA } from './types.ts';
import type { SchemaDefinition } from './types.ts';

const str = (name: string, description: string) => attribute(name, 'string', description);

export const enterpriseUserSchema: SchemaDefinition = deepFreeze({
  id: ENTERPRISE_USER_SCHEMA,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    str('employeeNumber', 'Numeric or alphanumeric identifier assigned to a person by the organization.'),
    str('costCenter', 'Identifies the name of a cost center.'),
    str('organization', 'Identifies the name of an organization.'),
    str('division', 'Identifies the name of a division.'),
    str('department', 'Identifies the name of a department.'),
    complex('manager', "The User's manager.", [
      // §4.3 calls value "RECOMMENDED"; §8.7.1 marks it required false.
      str('value', "The id of the SCIM resource representing the User's manager."),
      attribute('$ref', 'reference', "The URI of the SCIM resource representing the User's manager.", {
        referenceTypes: ['User'],
      }),
      // RFC 7643 §4.3: displayName is read-only (computed by the service provider).
      attribute('displayName', 'string', "The displayName of the User's manager.", { mutability: 'readOnly' }),
    ]),
  ],
});
