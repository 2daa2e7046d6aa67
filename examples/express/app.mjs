// Roster inside an Express 5 application (docs/embedding.md).
//
// The host keeps its own routes and mounts Roster under /roster: identity providers
// reach SCIM at <public URL>/roster/scim/v2/<tenant>, operators the admin API at
// <public URL>/roster/api/v1. Roster's events arrive in process through roster.on.
//
//   node examples/express/app.mjs            (after `npm run build`)
//   PORT=3000 ROSTER_DB=./data/example.db EXAMPLE_DEMO_TENANT=1 node examples/express/app.mjs
import express from 'express';
import { createRoster } from 'roster-scim';

const port = Number(process.env.PORT ?? 3000);

const app = express();
const server = app.listen(port, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const actualPort = server.address().port;
const base = process.env.PUBLIC_URL ?? `http://127.0.0.1:${actualPort}`;

// The SCIM base URL and meta.location name the host's address and the mount prefix.
const roster = await createRoster({
  config: { db: process.env.ROSTER_DB ?? './data/example.db', publicUrl: `${base}/roster`, logLevel: 'warn', metrics: false },
});

// Mount Roster before any body parser: Roster reads its own request bodies.
app.use('/roster', roster.requestListener);
app.use(express.json());
app.get('/health', (_req, res) => res.json({ ok: true, app: 'host' }));

// At least once, in commit order, from the outbox (docs/embedding.md "Events in process").
roster.on('*', (event) => {
  console.log(JSON.stringify({ event: event.type, tenantId: event.tenantId, sequence: event.sequence, id: event.id }));
});

const ready = { url: base, port: actualPort };
if (process.env.EXAMPLE_DEMO_TENANT === '1') {
  const t = await roster.tenants.create({ name: 'Example', idp: 'okta' });
  Object.assign(ready, { scimBaseUrl: t.scimBaseUrl, apiKey: t.apiKey });
}
console.log(JSON.stringify({ ready }));

const shutdown = async () => {
  server.close();
  server.closeAllConnections();
  await roster.close();
  process.exit(0);
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
