/**
 * The request generators of each workload. Every generator is deterministic (a
 * seeded PRNG), so Roster and the ceiling receive the same request sequence.
 */
import type { BenchRequest } from './load.ts';
import { PATCH_URN, userBody } from './seed.ts';
import type { Seeded } from './seed.ts';
import type { ServerProc } from './servers.ts';

/** mulberry32: a small seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(xs: readonly T[], rnd: () => number): T => xs[Math.floor(rnd() * xs.length)] as T;

export type Generator = (s: ServerProc) => () => BenchRequest;

/** W1: POST /Users with a new userName each time. */
export const createUsers = (tag: string): Generator => (s) => {
  let i = 0;
  // Same-length names on both servers: the side letter is the only difference.
  const side = s.name.startsWith('roster') ? 'r' : 'c';
  return () => {
    const n = i++;
    return { method: 'POST', path: `${s.basePath}/Users`, body: JSON.stringify(userBody(`w1-${tag}-${side}-${n}@bench.example`, n)) };
  };
};

/** W2: GET /Users?filter=userName eq "…" on random existing users. */
export const filterByUserName = (seeded: Seeded, seed: number): Generator => (s) => {
  const rnd = prng(seed);
  return () => {
    const name = pick(seeded.userNames, rnd);
    return { method: 'GET', path: `${s.basePath}/Users?filter=${encodeURIComponent(`userName eq "${name}"`)}` };
  };
};

/** W3: a fixed list URL (index page or cursor page). */
export const fixedGet = (query: (s: ServerProc) => string): Generator => (s) => {
  const path = `${s.basePath}/Users?${query(s)}`;
  return () => ({ method: 'GET', path });
};

const addMember = (s: ServerProc, groupId: string, userId: string, query: string): BenchRequest => ({
  method: 'PATCH',
  path: `${s.basePath}/Groups/${groupId}${query}`,
  body: JSON.stringify({ schemas: [PATCH_URN], Operations: [{ op: 'add', path: 'members', value: [{ value: userId }] }] }),
});

/** W4a: add a random user to a random 100-member group. */
export const addToSmallGroups = (seeded: Seeded, seed: number, query = ''): Generator => (s) => {
  const rnd = prng(seed);
  return () => addMember(s, pick(seeded.smallGroupIds, rnd), pick(seeded.userIds, rnd), query);
};

/**
 * W4b: add a user that is not yet a member to the large group. The spare users are
 * in no group; `next` (per server name) keeps successive runs on the same database
 * from reusing them.
 */
export const addToBigGroup = (seeded: Seeded, next: Map<string, number>, query = ''): Generator => (s) => {
  let i = next.get(s.name) ?? 0;
  return () => {
    const id = seeded.spareIds[i++ % seeded.spareIds.length] as string;
    next.set(s.name, i);
    return addMember(s, seeded.bigGroupId as string, id, query);
  };
};

/** Follows `nextCursor` from the first page to page `page` (1-based); returns that page's cursor. */
export async function cursorForPage(s: ServerProc, token: string, count: number, page: number): Promise<string> {
  let cursor = '';
  for (let p = 1; p < page; p++) {
    const res = await fetch(`${s.origin}${s.basePath}/Users?count=${count}&cursor=${encodeURIComponent(cursor)}&attributes=id`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await res.json()) as { nextCursor?: string };
    if (res.status !== 200 || typeof body.nextCursor !== 'string') throw new Error(`${s.name}: no nextCursor on page ${p} (status ${res.status})`);
    cursor = body.nextCursor;
  }
  return cursor;
}
