/**
 * What one normalisation step sees: the unit it may rewrite and the context it reports
 * through. Kept apart from the pipeline that runs the steps so that step modules
 * (`common.ts`, `tolerant.ts`, one per provider) and the pipeline do not import each
 * other (test/architecture.test.ts forbids import cycles).
 */
import type { ResourceSchema } from '../scim/schema/types.ts';
import type { IgnoredItem } from '../domain/ignored-input.ts';
import type { ResourceKind } from '../domain/resource.ts';
import type { Unit } from './units.ts';

/** How a step reads the schema and reports what it did. */
export interface CompatContext {
  /** The schema of a resource type, or undefined when the registry lacks it. */
  schema(type: ResourceKind): ResourceSchema | undefined;
  /** Records a normalisation that rewrote the request. */
  rewrote(name: string): void;
  /** Records a tolerance the core handles itself (nothing rewritten; logged). */
  noted(name: string): void;
  /** Records something the request carried that was dropped, unknown to Roster (logged and kept per tenant). */
  ignored(kind: IgnoredItem['kind'], name: string): void;
}

/** One normalisation: edits the unit in place and reports through `ctx`. */
export type Step = (unit: Unit, ctx: CompatContext) => void;
