/**
 * Runs a profile's steps over the units of a request and assembles the
 * `CompatResult`. Steps edit a private deep copy; the input request is never
 * mutated, and is returned as is when no step rewrote anything.
 */
import { isScimError } from '../scim/errors.ts';
import type { ResourceSchema, SchemaRegistry } from '../scim/schema/types.ts';
import type { IgnoredItem } from '../domain/ignored-input.ts';
import type { ResourceKind } from '../domain/resource.ts';
import type { IdpName } from '../domain/tenant.ts';
import { getKey, isObject, keyOf } from './json.ts';
import type { CompatProfile, CompatRequest, CompatResult } from './profile.ts';
import type { CompatContext, Step } from './step.ts';
import { TOLERANT } from './tolerant.ts';
import { bodyUnit, bulkUnits, isSearch, kindOf } from './units.ts';
import type { FilterUnit, Unit } from './units.ts';

export interface ProfileDefinition {
  readonly idp: IdpName;
  /** Provider steps, run after `op` case folding and before boolean coercion (see common.ts). */
  readonly steps: readonly Step[];
  readonly upsertOnNoMatch: boolean;
  /**
   * Provider tenants: what Roster does not know (extension schemas, attributes,
   * member ids) is ignored and recorded instead of refused (docs/identity-providers.md
   * "Ignored input"). `generic` is strict.
   */
  readonly tolerant: boolean;
}

/** Name recorded when a step failed unexpectedly and the request passed through untouched. */
export const SKIPPED = 'compat.skipped';

function collectUnits(req: CompatRequest, body: unknown): Unit[] {
  const units: Unit[] = [];
  const segs = req.segments;
  if (req.method.toUpperCase() === 'POST' && segs.length === 1 && segs[0]?.toLowerCase() === 'bulk') {
    units.push(...bulkUnits(body));
  } else if (isSearch(req.method, segs)) {
    const filter = isObject(body) ? getKey(body, 'filter') : undefined;
    if (typeof filter === 'string') units.push({ kind: 'filter', type: kindOf(segs.length > 1 ? segs[0] : undefined), filter });
  } else {
    const unit = bodyUnit(req.method, segs, body);
    if (unit !== undefined) units.push(unit);
  }
  if (req.method.toUpperCase() === 'GET' && req.query.getAll('filter').length === 1) {
    units.push({ kind: 'filter', type: kindOf(segs[0]), filter: req.query.get('filter')! });
  }
  return units;
}

/** Builds a profile from its steps. `registry` gives the attribute types (booleans, multi-valued…). */
export function defineProfile(def: ProfileDefinition, registry: SchemaRegistry): CompatProfile {
  const schemas = new Map<ResourceKind, ResourceSchema | undefined>();
  const schema = (type: ResourceKind): ResourceSchema | undefined => {
    if (!schemas.has(type)) {
      let rs: ResourceSchema | undefined;
      try {
        rs = registry.resourceSchema(type);
      } catch {
        rs = undefined;
      }
      schemas.set(type, rs);
    }
    return schemas.get(type);
  };
  const patchOptions = Object.freeze({ upsertOnNoMatch: def.upsertOnNoMatch });
  const tolerant = def.tolerant;
  const steps = tolerant ? [...def.steps, ...TOLERANT] : def.steps;

  return Object.freeze({
    idp: def.idp,
    normalise<R extends CompatRequest>(req: R): CompatResult<R> {
      const applied: string[] = [];
      const ignored: IgnoredItem[] = [];
      let changed = false;
      const ctx: CompatContext = {
        schema,
        rewrote(name) {
          changed = true;
          if (!applied.includes(name)) applied.push(name);
        },
        noted(name) {
          if (!applied.includes(name)) applied.push(name);
        },
        ignored(kind, name) {
          changed = true;
          if (!ignored.some((i) => i.kind === kind && i.name === name)) ignored.push({ kind, name });
        },
      };
      try {
        // Only bodies that can hold units are copied (JSON values: structuredClone is exact).
        const body = isObject(req.body) ? structuredClone(req.body) : req.body;
        const units = collectUnits(req, body);
        if (units.length === 0) return { request: req, applied, ignored, patchOptions, tolerant };
        const filters = units.filter((u): u is FilterUnit => u.kind === 'filter');
        const before = filters.map((u) => u.filter);
        for (const step of steps) for (const unit of units) step(unit, ctx);
        if (!changed) return { request: req, applied, ignored, patchOptions, tolerant };
        let query = req.query;
        filters.forEach((u, i) => {
          if (u.filter === before[i]) return;
          if (isObject(body) && isSearch(req.method, req.segments)) {
            body[keyOf(body, 'filter') ?? 'filter'] = u.filter;
          } else {
            query = new URLSearchParams(query);
            query.set('filter', u.filter);
          }
        });
        return { request: { ...req, body, query }, applied, ignored, patchOptions, tolerant };
      } catch (e) {
        // Steps only read and rewrite JSON; an exception here is a bug in a step. The
        // core judges the untouched request (and throws a proper ScimError if needed).
        if (isScimError(e)) throw e;
        return { request: req, applied: [SKIPPED], ignored: [], patchOptions, tolerant };
      }
    },
  });
}
