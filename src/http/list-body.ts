/**
 * The body of a list or search response (RFC 7644 §3.4.2 ListResponse). A page of up
 * to `LIST_SLICE_SIZE` resources is built and sent as one JSON value; a larger page is
 * projected and serialised in slices, yielding to the event loop between slices, and
 * written in pieces (`ScimResponse.stream`), so one tenant's 1,000-resource page does not
 * hold the main thread for its whole rendering (docs/scim-api.md "Response size and large groups", Large pages).
 */
import { setImmediate as yieldTurn } from 'node:timers/promises';
import { listResponse } from '../scim/messages.ts';
import type { ScimResource } from '../scim/schema/types.ts';
import type { ScimResponse } from './types.ts';

/** Resources rendered per slice; a page larger than this is streamed. */
export const LIST_SLICE_SIZE = 100;

/** Paging fields of a ListResponse beside `totalResults` (RFC 7644 §3.4.2, RFC 9865). */
export interface ListExtra {
  readonly startIndex?: number;
  readonly nextCursor?: string;
  readonly previousCursor?: string;
}

/**
 * A ListResponse of `rows`, each turned into its SCIM representation by `render`.
 * Small pages: one `body`. Larger pages: a `stream` whose text parses to the same JSON.
 */
export function listReply<T>(
  totalResults: number, rows: readonly T[], render: (row: T) => ScimResource, extra: ListExtra, sliceSize = LIST_SLICE_SIZE,
): ScimResponse {
  if (rows.length <= sliceSize) return { status: 200, body: listResponse(rows.map(render), { totalResults, ...extra }) };
  // The head as listResponse orders it, with an empty `Resources`: `…,"Resources":[]}` less its `]}`.
  const empty = JSON.stringify(listResponse([], { totalResults, itemsPerPage: rows.length, ...extra }));
  const head = empty.slice(0, -2);
  const stream = async (write: (text: string) => Promise<boolean>): Promise<void> => {
    if (!(await write(head))) return;
    for (let i = 0; i < rows.length; i += sliceSize) {
      if (i > 0) await yieldTurn();
      let text = i > 0 ? ',' : '';
      const end = Math.min(rows.length, i + sliceSize);
      for (let j = i; j < end; j++) text += (j > i ? ',' : '') + JSON.stringify(render(rows[j] as T));
      if (!(await write(text))) return;
    }
    await write(']}');
  };
  return { status: 200, stream };
}
