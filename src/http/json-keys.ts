/**
 * One linear pass over JSON text that `JSON.parse` has already accepted, finding
 * the first object that names a member twice (or names `__proto__`).
 * `JSON.parse` silently keeps the last duplicate; Roster refuses them instead.
 */

interface Frame {
  readonly keys: Set<string> | undefined; // undefined for arrays
  expectKey: boolean;
}

/** Returned when the text nests arrays/objects deeper than the given limit. */
export const TOO_DEEP: unique symbol = Symbol('too deep');

/**
 * The first duplicated (or `__proto__`) member name, `TOO_DEEP` when arrays/objects
 * nest deeper than `maxDepth`, or `undefined`. Input must be valid JSON.
 */
export function findDuplicateKey(text: string, maxDepth = Infinity): string | typeof TOO_DEEP | undefined {
  const stack: Frame[] = [];
  let top: Frame | undefined;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */) {
      top = { keys: new Set(), expectKey: true };
      if (stack.push(top) > maxDepth) return TOO_DEEP;
    } else if (c === 0x5b /* [ */) {
      top = { keys: undefined, expectKey: false };
      if (stack.push(top) > maxDepth) return TOO_DEEP;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      top = stack[stack.length - 1];
    } else if (c === 0x2c /* , */) {
      if (top?.keys) top.expectKey = true;
    } else if (c === 0x22 /* " */) {
      const start = i;
      let escaped = false;
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) {
          escaped = true;
          i++;
        } else if (d === 0x22) break;
      }
      if (top?.keys && top.expectKey) {
        const raw = text.slice(start, i + 1);
        const key = escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        if (key === '__proto__' || top.keys.has(key)) return key;
        top.keys.add(key);
        top.expectKey = false;
      }
    }
  }
  return undefined;
}
