/**
 * The one write path (docs/audit.md, docs/reliability.md CF-7): every change to the
 * directory — SCIM, Bulk, the CLI, the admin API — runs in `runUnitOfWork`, which
 * opens the single write transaction, lets the use case write through `uow.tx` and
 * `uow.record(change)` what it changed, and appends the audit row of each recorded
 * change and its outbox events in the SAME transaction, just before the commit: the
 * change, its audit row and its events are stored together or not at all. Nothing
 * else opens write transactions (`src/directory/one-write-path.test.ts`).
 */
import { randomUUID } from 'node:crypto';
import type { AuditOutcome, AuditEventInput, OutboxEventInput, Store, StoreTx } from '../store/store.ts';
import type { EventDraft } from './events.ts';

/** Who made a change. */
export type Actor =
  | { readonly kind: 'api_key'; readonly keyId: string; readonly keyPrefix: string }
  | { readonly kind: 'operator'; readonly id: string }
  | { readonly kind: 'cli'; readonly user?: string }
  /** An unauthenticated caller (a refused 401): the public id of the key it presented, when the key parsed. */
  | { readonly kind: 'anonymous'; readonly keyId?: string };

/** Where a change comes from: recorded with it. */
export interface ActorContext {
  readonly actor: Actor;
  readonly requestId?: string;
  /** The tenant's identity provider. */
  readonly idp?: string;
  /** Compatibility normalisations that fired on the request (src/compat). */
  readonly normalisations?: readonly string[];
  readonly method?: string;
  /** Request path, filter values already redacted (`redactedPath`). */
  readonly path?: string;
  /** The status a successful change is answered with, when the transport knows it differs from the default. */
  readonly status?: number;
}

/** One change, as the use case records it. */
export interface RecordedChange {
  readonly tenantId: string;
  readonly resourceType: string;
  readonly resourceId: string;
  /** `create`, `replace`, `patch`, `delete`, `rotate_key`, `revoke_keys` … */
  readonly operation: string;
  /** The attribute-level change (never a password or secret). */
  readonly change: unknown;
  readonly events: readonly EventDraft[];
  /** Status the request is answered with (default: the context's, else 201 create, 204 delete, otherwise 200). */
  readonly status?: number;
}

/** What the use case gets: the transaction and the recorder. */
export interface UnitOfWork {
  readonly tx: StoreTx;
  record(change: RecordedChange): void;
}

/** The actor when nothing else is known (library calls without a context). */
export const CLI_ACTOR: ActorContext = Object.freeze({ actor: Object.freeze({ kind: 'cli' as const }) });

const defaultStatus = (op: string): number => (op === 'create' ? 201 : op === 'delete' ? 204 : 200);

function actorColumns(a: Actor): Pick<AuditEventInput, 'actorKind' | 'actorId' | 'actorLabel'> {
  switch (a.kind) {
    case 'api_key':
      return { actorKind: a.kind, actorId: a.keyId, actorLabel: a.keyPrefix };
    case 'operator':
      return { actorKind: a.kind, actorId: a.id, actorLabel: null };
    case 'anonymous':
      return { actorKind: a.kind, actorId: a.keyId ?? null, actorLabel: null };
    default:
      return { actorKind: a.kind, actorId: a.user ?? null, actorLabel: null };
  }
}

function auditRow(ctx: ActorContext, c: RecordedChange, at: string, outcome: AuditOutcome): AuditEventInput {
  return {
    id: randomUUID(),
    occurredAt: at,
    ...actorColumns(ctx.actor),
    requestId: ctx.requestId ?? null,
    idp: ctx.idp ?? null,
    method: ctx.method ?? null,
    path: ctx.path ?? null,
    resourceType: c.resourceType,
    resourceId: c.resourceId,
    operation: c.operation,
    change: c.change,
    outcome,
    status: c.status ?? ctx.status ?? defaultStatus(c.operation),
    normalisations: ctx.normalisations ?? [],
  };
}

/** Groups the rows of the recorded changes by tenant (a unit of work normally touches one). */
function rowsByTenant(ctx: ActorContext, changes: readonly RecordedChange[], at: string, outcome: AuditOutcome) {
  const out = new Map<string, { audit: AuditEventInput[]; outbox: OutboxEventInput[] }>();
  for (const c of changes) {
    let rows = out.get(c.tenantId);
    if (rows === undefined) out.set(c.tenantId, (rows = { audit: [], outbox: [] }));
    rows.audit.push(auditRow(ctx, c, at, outcome));
    for (const e of c.events) rows.outbox.push({ id: randomUUID(), type: e.type, occurredAt: at, payload: e.payload });
  }
  return out;
}

/**
 * Runs `fn` in one write transaction; the changes it records are audited and their
 * events put in the outbox in that transaction. A throw rolls everything back. A
 * unit of work that records nothing writes no audit or outbox row.
 */
export async function runUnitOfWork<T>(
  store: Store, ctx: ActorContext, fn: (uow: UnitOfWork) => Promise<T>, now: () => Date = () => new Date(),
): Promise<T> {
  return store.transaction(async (tx) => {
    const changes: RecordedChange[] = [];
    const result = await fn({ tx, record: (c) => void changes.push(c) });
    if (changes.length > 0) {
      for (const [tenantId, rows] of rowsByTenant(ctx, changes, now().toISOString(), 'success')) {
        await tx.appendEvents(tenantId, rows.audit, rows.outbox);
      }
    }
    return result;
  });
}

/**
 * Records a refused state-changing request (4xx): an audit row with outcome
 * `refused`, its status and no change (or a note, `change`, that holds no request
 * data: the count of unrecorded 401s), in its own small transaction after the
 * failure (nothing of the refused change was written). No outbox event.
 */
export async function recordRefused(
  store: Store, ctx: ActorContext, c: Omit<RecordedChange, 'change' | 'events'> & { readonly status: number; readonly change?: unknown },
  now: () => Date = () => new Date(),
): Promise<void> {
  await store.transaction(async (tx) => {
    for (const [tenantId, rows] of rowsByTenant(ctx, [{ change: null, ...c, events: [] }], now().toISOString(), 'refused')) {
      await tx.appendEvents(tenantId, rows.audit, []);
    }
  });
}
