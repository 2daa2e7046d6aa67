/**
 * The package as an outside project consumes it (docs/embedding.md): built `dist/`, reached
 * only through the package's `exports` (`roster-scim`, `roster-scim/client`), run by plain
 * `node` without a TypeScript loader, and typed by its `.d.ts` files. Also runs the Express
 * example (`examples/express/app.mjs`) as CI runs it. Offline: the package is built into a
 * temporary copy (so the checkout's `dist/`, which other tests' `bin/roster` runs, is never
 * rewritten under them) and a temp project links it; nothing is downloaded.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, it } from 'node:test';

const root = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'roster-pkg-'));
const project = join(dir, 'consumer');

/** The package as published, built here: never the checkout's own `dist/`, which `bin/roster` of other tests runs. */
const pkg = join(dir, 'roster-scim');

before(() => {
  // `npm run build` into the package copy (a few seconds); its dependencies are the checkout's.
  mkdirSync(pkg, { recursive: true });
  copyFileSync(join(root, 'package.json'), join(pkg, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', join(pkg, 'dist')], { cwd: root, stdio: 'inherit' });
  mkdirSync(join(project, 'node_modules'), { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  symlinkSync(pkg, join(project, 'node_modules', 'roster-scim'), 'dir');
  // The Express example runs from the consumer project too, with the checkout's express.
  symlinkSync(join(root, 'node_modules', 'express'), join(project, 'node_modules', 'express'), 'dir');
});
after(() => rmSync(dir, { recursive: true, force: true }));

it('runs from the package exports with plain node: embed, SCIM, roster.on, the admin client', () => {
  writeFileSync(join(project, 'consumer.mjs'), `
import { createServer } from 'node:http';
import { createRoster, createOperatorToken, USER_SCHEMA, parseFilter } from 'roster-scim';
import { createAdminClient, AdminApiError } from 'roster-scim/client';
const host = createServer();
await new Promise((r) => host.listen(0, '127.0.0.1', r));
const url = 'http://127.0.0.1:' + host.address().port;
const roster = await createRoster({ config: { db: ${JSON.stringify(join(dir, 'c.db'))}, publicUrl: url, logLevel: 'silent' } });
host.on('request', roster.requestListener);
const seen = [];
roster.on('user.created', (e) => { seen.push(e.type); });
const t = await roster.tenants.create({ name: 'Outside', idp: 'generic' });
const created = await fetch(t.scimBaseUrl + '/Users', { method: 'POST', headers: { authorization: 'Bearer ' + t.apiKey, 'content-type': 'application/scim+json' },
  body: JSON.stringify({ schemas: [USER_SCHEMA], userName: 'outside.user' }) });
const admin = createAdminClient({ baseUrl: url, token: (await createOperatorToken(roster.store)).token });
const users = (await admin.users.list(t.tenant.id)).items.map((u) => u.userName);
const feed = (await admin.events.list({ tenantId: t.tenant.id })).events.map((e) => e.type);
for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
await roster.close();
host.close();
console.log(JSON.stringify({ status: created.status, users, feed, seen, filter: parseFilter('userName eq "x"').op, errorClass: typeof AdminApiError }));
`);
  const out = execFileSync(process.execPath, ['consumer.mjs'], { cwd: project, encoding: 'utf8', timeout: 60_000 });
  assert.deepEqual(JSON.parse(out.trim().split('\n').at(-1)!), {
    status: 201, users: ['outside.user'], feed: ['scim_setup.created', 'user.created'], seen: ['user.created'], filter: 'eq', errorClass: 'function',
  });
});

it('is typed through its exports: a strict TypeScript consumer compiles against dist/*.d.ts', () => {
  writeFileSync(join(project, 'typed.ts'), `
import { createRoster } from 'roster-scim';
import type { EventEnvelope, Roster, Subscription, SubscribeOptions, Tenant, ScimError } from 'roster-scim';
import { createAdminClient } from 'roster-scim/client';
import type { AdminClient, AdminEvent, AdminUser, AdminApiErrorCode } from 'roster-scim/client';
export async function main(): Promise<void> {
  const roster: Roster = await createRoster({ config: { db: ':memory:' } });
  const opts: SubscribeOptions = { name: 'typed', types: ['user.created'], from: 'oldest' };
  const sub: Subscription = roster.subscribe(opts, async (e: EventEnvelope) => { const n: number = e.sequence; void n; });
  await sub.stop();
  const t: Pick<Tenant, 'id' | 'idp'> = (await roster.tenants.create({ name: 'typed', idp: 'okta' })).tenant;
  void t;
  const admin: AdminClient = createAdminClient({ baseUrl: 'http://x', token: 't' });
  const users: readonly AdminUser[] = (await admin.users.list('t')).items;
  for await (const e of admin.events.iterate({ types: ['user.deleted'] })) { const x: AdminEvent = e; void x; }
  const code: AdminApiErrorCode = 'cursor_expired';
  // @ts-expect-error a Roster has no such member: the types are real, not any
  roster.nope();
  void users; void code; void (null as unknown as ScimError);
}
`);
  // The package's d.ts need @types/node (Node's http types) and nothing else.
  symlinkSync(join(root, 'node_modules', '@types'), join(project, 'node_modules', '@types'), 'dir');
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] },
    files: ['typed.ts'],
  }));
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: project, encoding: 'utf8', timeout: 120_000 });
});

it('the Express example runs: SCIM under the host prefix, the host\'s routes, events in process', async () => {
  copyFileSync(join(root, 'examples/express/app.mjs'), join(project, 'app.mjs'));
  const child = spawn(process.execPath, [join(project, 'app.mjs')], {
    cwd: project, env: { ...process.env, PORT: '0', ROSTER_DB: join(dir, 'example.db'), EXAMPLE_DEMO_TENANT: '1' }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => {
    lines.push(JSON.parse(l) as Record<string, unknown>);
    for (const w of waiters.splice(0)) w();
  });
  const waitFor = async (pred: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> => {
    for (let i = 0; i < 200; i++) {
      const found = lines.find(pred);
      if (found !== undefined) return found;
      await new Promise<void>((r) => { waiters.push(r); setTimeout(r, 100); });
    }
    throw new Error(`not printed: ${JSON.stringify(lines)}`);
  };
  try {
    const { ready } = (await waitFor((l) => 'ready' in l)) as { ready: { url: string; scimBaseUrl: string; apiKey: string } };
    assert.ok(ready.scimBaseUrl.startsWith(`${ready.url}/roster/scim/v2/`), ready.scimBaseUrl);
    const r = await fetch(`${ready.scimBaseUrl}/Users`, {
      method: 'POST', headers: { authorization: `Bearer ${ready.apiKey}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'express.user' }),
    });
    assert.equal(r.status, 201);
    const body = (await r.json()) as { id: string; meta: { location: string } };
    assert.equal(body.meta.location, `${ready.scimBaseUrl}/Users/${body.id}`);
    assert.deepEqual(await (await fetch(`${ready.url}/health`)).json(), { ok: true, app: 'host' });
    assert.equal((await fetch(`${ready.url}/roster/api/v1/tenants`)).status, 401, 'the admin API under the prefix, with its own authentication');
    const ev = await waitFor((l) => l['event'] === 'user.created');
    assert.equal(typeof ev['id'], 'string');
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
});
