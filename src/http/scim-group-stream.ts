/**
 * `GET /Groups/{id}` of a large group (RFC 7644 §3.4.1): all members, streamed.
 * The group's members are read in keyset pages (`Store.readMembers`) and written
 * as they come, so a group at the maximum size (`--max-group-members`) is never one
 * giant string and the extra memory is one page. Every page is read together with
 * the group's version: a page read under another version than the ETag already sent
 * cuts the connection, so a body never mixes two versions (docs/scim-api.md).
 */
import { getResource } from '../directory/resources.ts';
import { etagMatches } from '../directory/etag.ts';
import { etagOf, locationOf, renderMembers, renderResource } from '../directory/render.ts';
import { notFound, serviceUnavailable } from '../scim/errors.ts';
import { compileProjection, projectResource } from '../scim/schema/project.ts';
import { contextFor } from './scim-env.ts';
import type { CompiledProjection } from '../scim/schema/project.ts';
import type { ResourceSchema } from '../scim/schema/types.ts';
import type { LoadedResource, MemberPage } from '../store/store.ts';
import type { Member } from '../domain/resource.ts';
import type { Projection } from './scim-params.ts';
import type { ScimEnv } from './scim-env.ts';
import type { ScimRequest, ScimResponse } from './types.ts';

/** Members per page read from the store and per piece written (about 150 KB of JSON). */
export const MEMBER_PAGE = 1000;

/** Times the resource and its first member page are read again when a write came between them. */
const CONSISTENT_READ_TRIES = 5;

/** The projected `members` values of one page (the selection applied to each member), possibly none. */
function projectMembers(rs: ResourceSchema, sel: CompiledProjection, id: string, members: readonly Member[], baseUrl: string): unknown[] {
  const shown = projectResource(rs, { schemas: [rs.core.id], id, members: renderMembers(members, baseUrl) }, sel)['members'];
  return Array.isArray(shown) ? shown : [];
}

/**
 * The response of `GET /Groups/{id}` when the projection returns `members`: a plain
 * body when the group fits in one page, else the resource head, the members page by
 * page, then the closing brackets. PUT and PATCH answers that return `members` use it
 * too, after their write (`conditional: false`: `If-None-Match` is a GET matter).
 */
export async function groupGetResponse(
  env: ScimEnv, req: ScimRequest, rs: ResourceSchema, id: string, p: Projection, opts: { conditional: boolean },
): Promise<ScimResponse> {
  const ctx = contextFor(env, req);
  const missing = (): Error => notFound(`Group ${JSON.stringify(id.length > 64 ? `${id.slice(0, 64)}…` : id)} not found`);
  let r: LoadedResource | undefined;
  let first: MemberPage | undefined;
  for (let i = 0; i < CONSISTENT_READ_TRIES && (r === undefined || first?.version !== r.version); i++) {
    r = await getResource(ctx, 'Group', id, { withMembers: false, withGroups: false });
    first = await env.store.readMembers(req.tenant.id, id, { limit: MEMBER_PAGE });
    if (first === undefined) throw missing();
  }
  if (r === undefined || first === undefined || first.version !== r.version) {
    throw serviceUnavailable('The group is changing too fast to be read consistently; retry.');
  }
  const version = r.version;
  const headers: Record<string, string> = { ETag: etagOf(version), 'Content-Location': locationOf(req.baseUrl, rs, id) };
  const inm = req.headers['if-none-match'];
  // RFC 7644 §3.14 / RFC 9110 §13.1.2: unchanged → 304 without a body.
  if (opts.conditional && inm !== undefined && etagMatches(inm, version)) return { status: 304, headers: { ETag: headers.ETag as string } };

  const sel = compileProjection(rs, p);
  if (first.members.length < MEMBER_PAGE) {
    return { status: 200, headers, body: projectResource(rs, renderResource(rs, { ...r, members: first.members }, req.baseUrl), sel) };
  }
  // The resource without its members, as JSON text ending in `}`: the members go before it.
  const headText = JSON.stringify(projectResource(rs, renderResource(rs, r, req.baseUrl), sel));
  const firstPage = first;
  const stream = async (write: (text: string) => Promise<boolean>): Promise<void> => {
    let opened = false;
    let page: MemberPage = firstPage;
    for (;;) {
      const shown = projectMembers(rs, sel, id, page.members, req.baseUrl);
      if (shown.length > 0) {
        const items = JSON.stringify(shown).slice(1, -1);
        const text = opened ? `,${items}` : `${headText.slice(0, -1)},"members":[${items}`;
        opened = true;
        if (!(await write(text))) return;
      }
      const last = page.members[page.members.length - 1];
      if (page.members.length < MEMBER_PAGE || last === undefined) break;
      const next = await env.store.readMembers(req.tenant.id, id, { after: last.value, limit: MEMBER_PAGE });
      // Changed or deleted since the ETag was sent: cut the response rather than mix versions.
      if (next === undefined || next.version !== version) throw serviceUnavailable('The group changed while it was being sent; retry.');
      page = next;
    }
    // RFC 7643 §2.5: no member shown (a projection that leaves none) → no `members`, never `[]`.
    await write(opened ? ']}' : headText);
  };
  return { status: 200, headers, stream };
}
