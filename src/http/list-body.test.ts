/** The sliced ListResponse renderer (docs/scim-api.md "Response size and large groups", Large pages). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listReply } from './list-body.ts';
import type { ScimResource } from '../scim/schema/types.ts';
import type { ScimResponse } from './types.ts';

async function text(r: ScimResponse): Promise<string> {
  if (r.stream === undefined) return JSON.stringify(r.body);
  let out = '';
  await r.stream(async (t) => {
    out += t;
    return true;
  });
  return out;
}

const rows = Array.from({ length: 23 }, (_, i) => ({ n: i }));
const render = (r: { n: number }): ScimResource => ({ schemas: ['urn:x'], id: `id${r.n}`, name: { givenName: `"q"\u2028${r.n}` } });

describe('listReply', () => {
  it('a page above the slice size is streamed and parses to the JSON of the single-body rendering', async () => {
    for (const extra of [{ startIndex: 3 }, { nextCursor: 'n', previousCursor: 'p' }, {}]) {
      for (const size of [1, 5, 7, 22]) {
        const streamed = listReply(40, rows, render, extra, size);
        assert.ok(streamed.stream !== undefined, 'streamed');
        const whole = listReply(40, rows, render, extra, rows.length);
        assert.equal(whole.stream, undefined);
        assert.deepEqual(JSON.parse(await text(streamed)), JSON.parse(await text(whole)));
        // Same key order too: the text is identical.
        assert.equal(await text(streamed), await text(whole));
      }
    }
  });

  it('stops writing once the client has gone', async () => {
    const r = listReply(23, rows, render, {}, 5);
    let writes = 0;
    let rendered = 0;
    const counting = listReply(23, rows, (x) => (rendered++, render(x)), {}, 5);
    await counting.stream?.(async () => ++writes < 2);
    assert.equal(writes, 2);
    assert.ok(rendered <= 5, `${rendered} rendered after the client left`);
    assert.ok(r.stream !== undefined);
  });
});
