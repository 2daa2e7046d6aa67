/**
 * Roles and permissions of the platform (docs/scim-api.md "Roles and permissions"):
 * every SCIM Group is a role with the same id and name; permissions belong to the
 * platform, declared in its catalogue (`--permissions`) and granted by
 * administrators, never by SCIM (docs/reliability.md AU-9). Depends on nothing.
 */

/** One permission of the deployment's catalogue. */
export interface Permission {
  /** 1–128 characters: letters, digits and `._:-`. */
  readonly name: string;
  readonly description: string;
}

/** A role as the admin API sees it. */
export interface Role {
  /** The SCIM Group id. */
  readonly id: string;
  /** The Group's displayName. */
  readonly name: string;
  /** Created over SCIM (false: created on the platform, `POST …/roles`). */
  readonly managed: boolean;
  /** Granted by administrators; sorted. */
  readonly permissions: readonly string[];
  /** Direct members (users and groups). */
  readonly memberCount: number;
}

/** Most permissions in a catalogue. */
export const MAX_PERMISSIONS = 1000;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * Validates a parsed catalogue `[{"name", "description"}]`: names unique and well
 * formed, descriptions strings of at most 1024 characters, at most 1000 entries.
 * @throws Error saying what is wrong.
 */
export function validateCatalogue(value: unknown): readonly Permission[] {
  if (!Array.isArray(value)) throw new Error('the catalogue must be a JSON array of {"name", "description"}');
  if (value.length > MAX_PERMISSIONS) throw new Error(`the catalogue has more than ${MAX_PERMISSIONS} permissions`);
  const seen = new Set<string>();
  const out = value.map((p: unknown, i): Permission => {
    if (p === null || typeof p !== 'object' || Array.isArray(p)) throw new Error(`entry ${i} must be an object {"name", "description"}`);
    const { name, description, ...rest } = p as Record<string, unknown>;
    if (Object.keys(rest).length > 0) throw new Error(`entry ${i} has an unknown member ${JSON.stringify(Object.keys(rest)[0])}`);
    if (typeof name !== 'string' || !NAME.test(name)) throw new Error(`entry ${i}: "name" must be 1-128 letters, digits or ._:- (starting with a letter or digit)`);
    if (typeof description !== 'string' || description.length > 1024) throw new Error(`entry ${i}: "description" must be a string of at most 1024 characters`);
    if (seen.has(name)) throw new Error(`permission ${JSON.stringify(name)} is declared twice`);
    seen.add(name);
    return Object.freeze({ name, description });
  });
  return Object.freeze(out);
}
