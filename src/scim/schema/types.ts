/**
 * Schemas as data (RFC 7643 §2, §7). These records are the single source of truth:
 * validation, coercion, filtering, sorting, projection, PATCH and `/Schemas` read them.
 */

export type AttributeType =
  | 'string'
  | 'boolean'
  | 'decimal'
  | 'integer'
  | 'dateTime'
  | 'binary'
  | 'reference'
  | 'complex';

/** RFC 7643 §7 "mutability". */
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
/** RFC 7643 §7 "returned". */
export type Returned = 'always' | 'never' | 'default' | 'request';
/** RFC 7643 §7 "uniqueness". */
export type Uniqueness = 'none' | 'server' | 'global';

export interface AttributeDefinition {
  readonly name: string;
  readonly type: AttributeType;
  readonly multiValued: boolean;
  readonly description: string;
  readonly required: boolean;
  readonly caseExact: boolean;
  readonly mutability: Mutability;
  readonly returned: Returned;
  readonly uniqueness: Uniqueness;
  readonly canonicalValues?: readonly string[];
  readonly referenceTypes?: readonly string[];
  readonly subAttributes?: readonly AttributeDefinition[];
}

export interface SchemaDefinition {
  /** The schema URN, e.g. `urn:ietf:params:scim:schemas:core:2.0:User`. */
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly attributes: readonly AttributeDefinition[];
}

export interface SchemaExtensionRef {
  readonly schema: string;
  readonly required: boolean;
}

/** RFC 7643 §6. `schema` is the core schema; extensions add URN-keyed blocks. */
export interface ResourceTypeDefinition {
  readonly id: string;
  readonly name: string;
  readonly endpoint: string;
  readonly description: string;
  readonly schema: string;
  readonly schemaExtensions: readonly SchemaExtensionRef[];
}

/** A SCIM resource as JSON, in canonical attribute case, extension blocks keyed by URN. */
export type ScimResource = Record<string, unknown>;

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** What an attribute path names within a resource type. */
export interface ResolvedAttribute {
  /** URN of the schema that defines the attribute. */
  readonly schemaUrn: string;
  /** True when the attribute lives in an extension block (`resource[schemaUrn]`). */
  readonly extension: boolean;
  /** The top-level attribute. */
  readonly attribute: AttributeDefinition;
  /** The sub-attribute, when the path names one (`name.givenName`). */
  readonly sub?: AttributeDefinition;
}

/** A resource type with its core schema and extension schemas. */
export interface ResourceSchema {
  readonly resourceType: ResourceTypeDefinition;
  readonly core: SchemaDefinition;
  readonly extensions: readonly SchemaDefinition[];
  /**
   * Resolves an attribute path, names compared case-insensitively. A path with a
   * URN resolves in that schema; a path without one resolves in the core schema
   * (including the common attributes id, externalId, meta), then in an extension
   * when exactly one defines the name. Undefined when nothing matches.
   */
  resolve(path: { readonly uri?: string; readonly name: string; readonly sub?: string }): ResolvedAttribute | undefined;
}

/** All schemas and resource types the server knows; `/Schemas` and `/ResourceTypes` read it. */
export interface SchemaRegistry {
  resourceSchema(resourceTypeName: string): ResourceSchema;
  schemas(): readonly SchemaDefinition[];
  resourceTypes(): readonly ResourceTypeDefinition[];
}
