/**
 * String order shared by the reference evaluator, sorting and the SQL stores.
 */

// Maps a UTF-16 code unit so that unit order equals code point order: surrogates
// (D800–DFFF, i.e. code points ≥ U+10000) move above E000–FFFF.
function fixup(u: number): number {
  if (u >= 0xd800 && u <= 0xdfff) return u + 0x2000;
  if (u >= 0xe000) return u - 0x800;
  return u;
}

/**
 * Compares two strings by Unicode code point (= UTF-8 byte order, which is what
 * SQLite's BINARY collation and PostgreSQL's "C" collation give), NOT by UTF-16
 * code unit as `<` does: `'\uFF61' < '\u{1F600}'` here, the reverse of `<`.
 * @returns negative, 0 or positive.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return fixup(x) < fixup(y) ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}
