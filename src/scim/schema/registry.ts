/**
 * The schema registry: resource types with their core and extension schemas, and
 * case-insensitive attribute resolution (RFC 7643 §2.1, §3.3; RFC 7644 §3.10).
 * Adding an extension is data only: pass it to `createSchemaRegistry`.
 */
import { internalError, notFound } from '../errors.ts';
import { commonAttributes } from './common.ts';
import { deepFreeze } from './define.ts';
import { enterpriseUserSchema } from './enterprise-user.ts';
import { groupResourceType, groupSchema } from './group.ts';
import { indexAttributes, nameKey, subAttributeOf } from './lookup.ts';
import { userResourceType, userSchema } from './user.ts';
import type {
  AttributeDefinition,
  ResolvedAttribute,
  ResourceSchema,
  ResourceTypeDefinition,
  SchemaDefinition,
  SchemaRegistry,
} from './types.ts';

/** An extension schema attached to a resource type (RFC 7643 §6 `schemaExtensions`). */
export interface ExtensionRegistration {
  /** Resource type name, e.g. `User` (case-insensitive). */
  readonly resourceType: string;
  readonly schema: SchemaDefinition;
  /** RFC 7643 §6: whether every resource of the type must carry the extension. Default false. */
  readonly required?: boolean;
}

/** A resource type with its core schema. Extensions listed in `resourceType.schemaExtensions` must be given in `schemas`. */
export interface ResourceTypeRegistration {
  readonly resourceType: ResourceTypeDefinition;
  readonly schema: SchemaDefinition;
}

export interface SchemaRegistryOptions {
  /** Replace the built-in resource types (default: User with the enterprise extension, and Group). */
  readonly resourceTypes?: readonly ResourceTypeRegistration[];
  /** Extension schemas referenced by `resourceTypes` (default: the enterprise User extension). */
  readonly schemas?: readonly SchemaDefinition[];
  /** More extensions to attach to resource types. */
  readonly extensions?: readonly ExtensionRegistration[];
}

/** The registry with Roster's extra lookups (all case-insensitive, undefined when unknown). */
export interface RosterSchemaRegistry extends SchemaRegistry {
  /** A schema (core or extension) by URN, e.g. for `GET /Schemas/{id}`. */
  schema(id: string): SchemaDefinition | undefined;
  /** A resource type by name, or undefined. */
  findResourceSchema(resourceTypeName: string): ResourceSchema | undefined;
  /** A resource type by endpoint (`/Users`), or undefined. */
  resourceSchemaByEndpoint(endpoint: string): ResourceSchema | undefined;
}

const fail = (detail: string): never => {
  throw internalError(`Schema registry: ${detail}`);
};

/** Checks that names are unique case-insensitively at every level (RFC 7643 §2.1). */
function checkNames(owner: string, attrs: readonly AttributeDefinition[]): void {
  const seen = new Set<string>();
  for (const a of attrs) {
    const k = nameKey(a.name);
    if (seen.has(k)) fail(`duplicate attribute "${a.name}" in ${owner}`);
    seen.add(k);
    if (a.type === 'complex') {
      if (a.subAttributes === undefined || a.subAttributes.length === 0) fail(`complex "${a.name}" has no sub-attributes`);
      for (const s of a.subAttributes ?? []) if (s.type === 'complex') fail(`"${a.name}.${s.name}": complex sub-attributes are not allowed (RFC 7643 §2.3.8)`);
      checkNames(`${owner}:${a.name}`, a.subAttributes ?? []);
    } else if (a.subAttributes !== undefined) {
      fail(`"${a.name}" is not complex but has sub-attributes`);
    }
  }
}

function buildResourceSchema(
  resourceType: ResourceTypeDefinition,
  core: SchemaDefinition,
  extensions: readonly SchemaDefinition[],
): ResourceSchema {
  checkNames(core.id, [...commonAttributes, ...core.attributes]);
  const coreKey = nameKey(core.id);
  const coreIndex = indexAttributes([...commonAttributes, ...core.attributes]);
  const extIndex = new Map<string, { schema: SchemaDefinition; attrs: ReadonlyMap<string, AttributeDefinition> }>();
  // Unqualified names found in exactly one extension; null marks an ambiguous name.
  const extByName = new Map<string, { urn: string; attr: AttributeDefinition } | null>();
  for (const ext of extensions) {
    checkNames(ext.id, ext.attributes);
    const key = nameKey(ext.id);
    if (key === coreKey || extIndex.has(key)) fail(`schema ${ext.id} registered twice for ${resourceType.name}`);
    extIndex.set(key, { schema: ext, attrs: indexAttributes(ext.attributes) });
    for (const a of ext.attributes) {
      const k = nameKey(a.name);
      extByName.set(k, extByName.has(k) ? null : { urn: ext.id, attr: a });
    }
  }

  const withSub = (
    schemaUrn: string,
    extension: boolean,
    attribute: AttributeDefinition,
    sub: string | undefined,
  ): ResolvedAttribute | undefined => {
    if (sub === undefined) return { schemaUrn, extension, attribute };
    const subDef = subAttributeOf(attribute, sub);
    return subDef === undefined ? undefined : { schemaUrn, extension, attribute, sub: subDef };
  };

  return Object.freeze({
    resourceType,
    core,
    extensions,
    resolve(path: { readonly uri?: string; readonly name: string; readonly sub?: string }): ResolvedAttribute | undefined {
      const name = nameKey(path.name);
      if (path.uri !== undefined && path.uri !== '') {
        // RFC 7644 §3.10: a URN-qualified name resolves only in that schema; URNs compare case-insensitively.
        const uri = nameKey(path.uri);
        if (uri === coreKey) {
          const a = coreIndex.get(name);
          return a === undefined ? undefined : withSub(core.id, false, a, path.sub);
        }
        const ext = extIndex.get(uri);
        const a = ext?.attrs.get(name);
        return ext === undefined || a === undefined ? undefined : withSub(ext.schema.id, true, a, path.sub);
      }
      const a = coreIndex.get(name);
      if (a !== undefined) return withSub(core.id, false, a, path.sub);
      const found = extByName.get(name);
      return found ? withSub(found.urn, true, found.attr, path.sub) : undefined;
    },
  });
}

/**
 * Builds a registry. With no options: User (core + optional enterprise extension)
 * and Group, as RFC 7643 §4 defines them.
 */
export function createSchemaRegistry(opts: SchemaRegistryOptions = {}): RosterSchemaRegistry {
  const regs = opts.resourceTypes ?? [
    { resourceType: userResourceType, schema: userSchema },
    { resourceType: groupResourceType, schema: groupSchema },
  ];
  const extSchemas = new Map<string, SchemaDefinition>();
  for (const s of opts.schemas ?? [enterpriseUserSchema]) extSchemas.set(nameKey(s.id), s);
  for (const e of opts.extensions ?? []) {
    const prior = extSchemas.get(nameKey(e.schema.id));
    if (prior !== undefined && prior !== e.schema) fail(`two different schemas with id ${e.schema.id}`);
    extSchemas.set(nameKey(e.schema.id), e.schema);
  }

  const byName = new Map<string, ResourceSchema>();
  const byEndpoint = new Map<string, ResourceSchema>();
  const schemaById = new Map<string, SchemaDefinition>();
  for (const reg of regs) {
    const added = (opts.extensions ?? []).filter((e) => nameKey(e.resourceType) === nameKey(reg.resourceType.name));
    const refs = [
      ...reg.resourceType.schemaExtensions,
      ...added.map((e) => ({ schema: e.schema.id, required: e.required ?? false })),
    ];
    const resourceType: ResourceTypeDefinition = deepFreeze({ ...reg.resourceType, schemaExtensions: refs });
    const extensions = refs.map(
      (r) => extSchemas.get(nameKey(r.schema)) ?? fail(`${resourceType.name} names unknown extension ${r.schema}`),
    );
    const rs = buildResourceSchema(resourceType, reg.schema, extensions);
    if (byName.has(nameKey(resourceType.name))) fail(`resource type ${resourceType.name} registered twice`);
    byName.set(nameKey(resourceType.name), rs);
    byEndpoint.set(nameKey(resourceType.endpoint), rs);
    for (const s of [reg.schema, ...extensions]) schemaById.set(nameKey(s.id), s);
  }
  for (const e of opts.extensions ?? []) {
    if (!byName.has(nameKey(e.resourceType))) fail(`extension ${e.schema.id} names unknown resource type ${e.resourceType}`);
  }

  const schemaList = Object.freeze([...schemaById.values()]);
  const typeList = Object.freeze([...byName.values()].map((rs) => rs.resourceType));
  return Object.freeze({
    resourceSchema(resourceTypeName: string): ResourceSchema {
      const rs = byName.get(nameKey(resourceTypeName));
      if (rs === undefined) throw notFound(`Unknown resource type "${resourceTypeName}"`);
      return rs;
    },
    findResourceSchema: (name: string) => byName.get(nameKey(name)),
    resourceSchemaByEndpoint: (endpoint: string) => byEndpoint.get(nameKey(endpoint)),
    schemas: () => schemaList,
    schema: (id: string) => schemaById.get(nameKey(id)),
    resourceTypes: () => typeList,
  });
}

/** User (with the optional enterprise extension) and Group. */
export const defaultRegistry: RosterSchemaRegistry = createSchemaRegistry();
