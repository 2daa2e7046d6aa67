/**
 * Counts the statements each HTTP request of this process sends to PostgreSQL: every
 * `pg` `Client.query` is one round trip (node-postgres sends each query on its own and
 * waits for its answer). A request is named by the `x-test-round-trips` header its
 * client sends; statements run for it (in its asynchronous context) are recorded under
 * that name, anything else (timers, background workers) is not. Real server, real
 * PostgreSQL: this only listens.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Server } from 'node:http';
import type { IncomingMessage } from 'node:http';
import pg from 'pg';

/** The request header naming a counted request. */
export const ROUND_TRIP_HEADER = 'x-test-round-trips';

/** The statements recorded per request name, until `stop()`. */
export interface RoundTripCounter {
  /** The statements (first line of their text) the request named `tag` sent. */
  statements(tag: string): string[];
  /** Restores `pg` and `node:http`. */
  stop(): void;
}

/** Starts counting; call `stop()` after the tests. */
export function countRoundTrips(): RoundTripCounter {
  const context = new AsyncLocalStorage<string>();
  const seen = new Map<string, string[]>();
  const emit = Server.prototype.emit;
  const query = pg.Client.prototype.query;
  const send = emit as (this: Server, event: string | symbol, ...args: unknown[]) => boolean;
  Server.prototype.emit = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
    const tag = event === 'request' ? (args[0] as IncomingMessage).headers[ROUND_TRIP_HEADER] : undefined;
    if (typeof tag !== 'string') return send.call(this, event, ...args);
    return context.run(tag, () => send.call(this, event, ...args));
  } as typeof emit;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]): unknown {
    const tag = context.getStore();
    if (tag !== undefined) {
      const q = args[0] as string | { text: string };
      const text = typeof q === 'string' ? q : q.text;
      let list = seen.get(tag);
      if (list === undefined) seen.set(tag, (list = []));
      list.push(text.trim().split('\n')[0] ?? '');
    }
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  return {
    statements: (tag) => seen.get(tag) ?? [],
    stop() {
      Server.prototype.emit = emit;
      pg.Client.prototype.query = query;
    },
  };
}
