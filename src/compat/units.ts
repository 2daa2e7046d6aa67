/**
 * Splits a request into the parts a profile may rewrite ("units"): a resource body
 * (POST/PUT), a PatchOp body, or a filter (GET query or POST `.search` body), and
 * the same inside each `/Bulk` operation. Units point into a private copy of the
 * body, so steps edit them in place without touching the caller's request.
 */
import type { ResourceKind } from '../domain/resource.ts';
import { isObject, keyOf } from './json.ts';

export interface ResourceUnit {
  readonly kind: 'resource';
  readonly method: 'POST' | 'PUT';
  readonly type: ResourceKind;
  /** The resource id from the URL (PUT). */
  readonly id?: string;
  readonly body: Record<string, unknown>;
}

export interface PatchUnit {
  readonly kind: 'patch';
  readonly type: ResourceKind;
  readonly id: string;
  readonly body: Record<string, unknown>;
}

export interface FilterUnit {
  readonly kind: 'filter';
  /** Undefined for a query at the server root (RFC 7644 §3.4.2.1). */
  readonly type?: ResourceKind;
  filter: string;
}

export type Unit = ResourceUnit | PatchUnit | FilterUnit;

/** `Users` → User, `Groups` → Group (endpoint names compared case-insensitively). */
export function kindOf(segment: string | undefined): ResourceKind | undefined {
  const s = segment?.toLowerCase();
  return s === 'users' ? 'User' : s === 'groups' ? 'Group' : undefined;
}

/** The unit of one body sent to `segments` with `method`, if it is one a profile may rewrite. */
export function bodyUnit(method: string, segments: readonly string[], body: unknown): ResourceUnit | PatchUnit | undefined {
  if (!isObject(body)) return undefined;
  const type = kindOf(segments[0]);
  if (type === undefined) return undefined;
  const m = method.toUpperCase();
  if (m === 'POST' && segments.length === 1) return { kind: 'resource', method: 'POST', type, body };
  const id = segments[1];
  if (segments.length !== 2 || id === undefined || id === '.search') return undefined;
  if (m === 'PUT') return { kind: 'resource', method: 'PUT', type, id, body };
  if (m === 'PATCH') return { kind: 'patch', type, id, body };
  return undefined;
}

/** Splits a bulk operation path (`/Users`, `/Users/abc`, `Groups/xyz`) into segments. */
function bulkSegments(path: unknown): string[] | undefined {
  if (typeof path !== 'string') return undefined;
  return path.split('?')[0]!.split('/').filter((s) => s !== '');
}

/** Units inside a `/Bulk` request body (RFC 7644 §3.7): each operation's `data`. */
export function bulkUnits(body: unknown): (ResourceUnit | PatchUnit)[] {
  if (!isObject(body)) return [];
  const ops = body[keyOf(body, 'Operations') ?? 'Operations'];
  if (!Array.isArray(ops)) return [];
  const out: (ResourceUnit | PatchUnit)[] = [];
  for (const op of ops) {
    if (!isObject(op)) continue;
    const method = op[keyOf(op, 'method') ?? 'method'];
    const segments = bulkSegments(op[keyOf(op, 'path') ?? 'path']);
    const data = op[keyOf(op, 'data') ?? 'data'];
    if (typeof method !== 'string' || segments === undefined) continue;
    const unit = bodyUnit(method, segments, data);
    if (unit !== undefined) out.push(unit);
  }
  return out;
}

/** True for `POST /.search` and `POST /Users/.search` (RFC 7644 §3.4.3). */
export function isSearch(method: string, segments: readonly string[]): boolean {
  return method.toUpperCase() === 'POST' && segments[segments.length - 1] === '.search';
}
