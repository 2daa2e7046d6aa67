/**
 * Error details quote what the client sent, clipped: a long bad filter, PATCH
 * path or attribute name never comes back whole (docs/scim-api.md, Status codes).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUser, patch, q, SEARCH, startTestServer, tenant } from './scim-helpers.ts';
import type { Client, TestServer } from './scim-helpers.ts';

/** The bounds of src/scim/errors.ts (MAX_DETAIL, MAX_ECHO), as documented in docs/scim-api.md. */
const MAX_DETAIL = 300;
const MAX_ECHO = 100;

let srv: TestServer;
let a: Client;

before(async () => {
  srv = await startTestServer();
  a = await tenant(srv);
});
after(() => srv.close());

/**
 * The detail is at most MAX_DETAIL characters and, for input without spaces,
 * holds no run of it longer than MAX_ECHO.
 */
function assertClipped(body: Record<string, unknown>, input: string): void {
  const detail = String(body['detail']);
  assert.ok(detail.length <= MAX_DETAIL, `detail of ${detail.length} characters`);
  if (!/\s/.test(input)) assert.ok(!detail.includes(input.slice(0, MAX_ECHO + 1)), `echoes more than ${MAX_ECHO} characters: ${detail}`);
}

describe('error details echo client input clipped', () => {
  it('a 2 KiB filter naming an unknown attribute → 400 invalidFilter with a short detail', async () => {
    const name = `n${'a'.repeat(2000)}`; // within --filter-max-length (2048)
    const s = await a.call('POST', '/Users/.search', { schemas: [SEARCH], filter: `${name} eq "x"` });
    assert.equal(s.status, 400);
    assert.equal(s.body.scimType, 'invalidFilter');
    assertClipped(s.body, name);
    assert.match(String(s.body.detail), /…/);
    // A long spaced filter: the parser names the token, not the filter, and stays short.
    const spaced = `${'userName eq "x" or '.repeat(850)}userName eq`;
    const r = await a.call('POST', '/Users/.search', { schemas: [SEARCH], filter: spaced });
    assert.equal(r.status, 400);
    assertClipped(r.body, spaced);
  });

  it('a long unknown attribute name in a filter, in attributes= and in sortBy → 400 with a short detail', async () => {
    const name = `x${'a'.repeat(5000)}`;
    const f = await a.call('GET', `/Users?filter=${q(`${name} eq "1"`)}`);
    assert.equal(f.status, 400);
    assert.equal(f.body.scimType, 'invalidFilter');
    assertClipped(f.body, name);
    const s = await a.call('GET', `/Users?sortBy=${name}`);
    assert.equal(s.status, 400);
    assertClipped(s.body, name);
    const attrs = await a.call('GET', `/Users?attributes=${name}.b$`);
    assert.equal(attrs.status, 400, JSON.stringify(attrs.body).slice(0, 300));
    assertClipped(attrs.body, name);
  });

  it('a long unknown PATCH path → 400 invalidValue (docs/schema.md), a long bad path filter → invalidPath; both with a short detail', async () => {
    const id = await createUser(a, 'echo-patch');
    const path = `name.${'g'.repeat(900)}`;
    const r = await a.call('PATCH', `/Users/${id}`, patch({ op: 'replace', path, value: 'x' }));
    assert.equal(r.status, 400);
    assert.equal(r.body.scimType, 'invalidValue');
    assertClipped(r.body, path);
    assert.match(String(r.body.detail), /…/);
    // A value filter in the path naming a long unknown attribute (the filter error is quoted inside the path error).
    const inFilter = `emails[${'v'.repeat(900)} eq "x"].value`;
    const f = await a.call('PATCH', `/Users/${id}`, patch({ op: 'replace', path: inFilter, value: 'x' }));
    assert.equal(f.status, 400);
    assert.equal(f.body.scimType, 'invalidPath');
    assertClipped(f.body, 'v'.repeat(900));
  });
});
