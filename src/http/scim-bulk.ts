/**
 * The `POST /Bulk` route (RFC 7644 §3.7): checks the request against
 * `maxPayloadSize`, hands the BulkRequest message to the directory's Bulk use
 * case (`src/directory/bulk.ts`) and renders the BulkResponse.
 */
import { runBulk } from '../directory/bulk.ts';
import { payloadTooLarge } from '../scim/errors.ts';
import { contextFor } from './scim-env.ts';
import type { ScimEnv } from './scim-env.ts';
import type { ScimRequest, ScimResponse } from './types.ts';

/** `POST /Bulk`: 413 past `maxOperations`/`maxPayloadSize`; otherwise 200 with one result per processed operation. */
export async function bulkRoute(env: ScimEnv, req: ScimRequest): Promise<ScimResponse> {
  const { bulkMaxOperations, bulkMaxPayloadSize } = env.limits;
  // RFC 7644 §3.7.4: over maxPayloadSize → 413 (the transport caps the raw body too).
  if (Buffer.byteLength(JSON.stringify(req.body ?? null)) > bulkMaxPayloadSize) {
    throw payloadTooLarge(`The bulk request is larger than maxPayloadSize (${bulkMaxPayloadSize} bytes)`);
  }
  const body = await runBulk(
    {
      directory: contextFor(env, req),
      maxOperations: bulkMaxOperations,
      onInternalError: (err, operation) => req.log.error({ err, operation }, 'bulk operation failed'),
    },
    req.body,
  );
  return { status: 200, body };
}
