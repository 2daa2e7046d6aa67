/**
 * Replays an identity provider's documented request sequence against a real server
 * (real listener, real SQLite file), twice:
 * 1. against a tenant of that provider's `idp`, checking each response as the
 *    provider's document expects;
 * 2. against a `generic` tenant: whatever the RFC-strict profile refuses must be a
 *    clear SCIM error (4xx, RFC 7644 §3.12 body), never a 500.
 * Steps run in order and share ids through `save`/`{name}` placeholders.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { IdpName } from '../../src/domain/tenant.ts';
import { scim, startTestServer } from '../helpers/server.ts';
import type { ScimCall, ScimResult, TestServer } from '../helpers/server.ts';

export type State = Record<string, string>;

export interface ReplayStep {
  /** What the provider does, and the document (section) the request comes from. */
  readonly name: string;
  readonly method: string;
  /** Path after the SCIM base URL; `{key}` is replaced by the saved value (URL-encoded). */
  readonly path: string;
  readonly body?: unknown | ((s: State) => unknown);
  readonly headers?: Record<string, string>;
  /** Checks the response on the provider's own tenant. */
  readonly expect: (r: ScimResult, s: State) => void;
  /** Values to keep for later steps (both runs). */
  readonly save?: Record<string, (r: ScimResult) => unknown>;
  /** What the generic tenant must answer when it differs (RFC-strict refusal). */
  readonly generic?: { readonly status: number; readonly scimType?: string };
}

export const ERROR_URN = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const LIST_URN = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** A PatchOp body (RFC 7644 §3.5.2). */
export const patchOp = (...Operations: unknown[]): unknown => ({ schemas: [PATCH_OP], Operations });

/** Asserts an RFC 7644 §3.12 error body matching the HTTP status. */
export function assertScimError(r: ScimResult, status?: number, scimType?: string): void {
  if (status !== undefined) assert.equal(r.status, status, JSON.stringify(r.body));
  assert.ok(r.status >= 400 && r.status < 500, `expected a 4xx, got ${r.status}: ${JSON.stringify(r.body)}`);
  assert.ok(Array.isArray(r.body?.schemas) && r.body.schemas.includes(ERROR_URN), `not a SCIM error body: ${JSON.stringify(r.body)}`);
  assert.equal(r.body.status, String(r.status));
  if (scimType !== undefined) assert.equal(r.body.scimType, scimType);
}

/** Asserts a 2xx (PATCH may answer 200 with the resource or 204, RFC 7644 §3.5.2). */
export function assertOk(r: ScimResult, ...statuses: number[]): void {
  const ok = statuses.length > 0 ? statuses : [200, 204];
  assert.ok(ok.includes(r.status), `expected ${ok.join('/')}, got ${r.status}: ${JSON.stringify(r.body)}`);
}

/** A ListResponse with these many results (RFC 7644 §3.4.2). */
export function assertList(r: ScimResult, total?: number): void {
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.ok(r.body.schemas.includes(LIST_URN));
  assert.equal(typeof r.body.totalResults, 'number');
  assert.ok(Array.isArray(r.body.Resources ?? []));
  if (total !== undefined) assert.equal(r.body.totalResults, total, JSON.stringify(r.body));
}

const fill = (path: string, s: State): string => path.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(s[k] ?? `missing-${k}`));

async function runStep(call: ScimCall, step: ReplayStep, s: State): Promise<ScimResult> {
  const body = typeof step.body === 'function' ? (step.body as (s: State) => unknown)(s) : step.body;
  const r = await call(step.method, fill(step.path, s), body, step.headers);
  for (const [k, f] of Object.entries(step.save ?? {})) {
    const v = f(r);
    if (typeof v === 'string') s[k] = v;
  }
  return r;
}

/** Registers the two replays of `steps` (provider tenant, then generic tenant). */
export function replay(title: string, idp: IdpName, steps: readonly ReplayStep[]): void {
  describe(title, () => replayBoth(idp, steps));
}

function replayBoth(idp: IdpName, steps: readonly ReplayStep[]): void {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
  });
  after(async () => {
    await srv?.close();
  });

  describe(`${idp} tenant`, () => {
    const s: State = {};
    let call: ScimCall;
    before(async () => {
      const t = await srv.createTenant(`${idp} conformance`, idp);
      call = scim(t.baseUrl, t.apiKey);
      s['base'] = t.baseUrl;
    });
    for (const step of steps) {
      it(step.name, async () => step.expect(await runStep(call, step, s), s));
    }
  });

  describe(`generic tenant (RFC-strict: refusals are 4xx SCIM errors, never 500)`, () => {
    const s: State = {};
    let call: ScimCall;
    before(async () => {
      const t = await srv.createTenant(`${idp} replay on generic`, 'generic');
      call = scim(t.baseUrl, t.apiKey);
      s['base'] = t.baseUrl;
    });
    for (const step of steps) {
      it(step.name, async () => {
        const r = await runStep(call, step, s);
        assert.ok(r.status < 500, `${r.status}: ${JSON.stringify(r.body)}`);
        if (step.generic !== undefined) assertScimError(r, step.generic.status, step.generic.scimType);
        else if (r.status >= 400) assertScimError(r);
      });
    }
  });
}
