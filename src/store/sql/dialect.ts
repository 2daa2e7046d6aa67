/**
 * The seam between the shared SQL compiler and one database (docs/principles.md rule 5):
 * placeholders, JSON access, JSON array iteration, case folding of stored text.
 * Everything else in `src/store/sql` is dialect-agnostic.
 */

/** Collects bind parameters and hands out placeholders for them. */
export class Params {
  readonly values: unknown[] = [];
  readonly #placeholder: (n: number) => string;

  constructor(placeholder: (n: number) => string) {
    this.#placeholder = placeholder;
  }

  /** Adds a value; returns its placeholder. */
  add(value: unknown): string {
    this.values.push(value);
    return this.#placeholder(this.values.length);
  }
}

export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres';
  /** Placeholder of the n-th (1-based) parameter: `?` or `$n`. */
  placeholder(n: number): string;
  /**
   * SQL for the scalar at `path` (attribute names) in the JSON document `doc`:
   * text for strings, the number for numbers, 1/0 (or true/false) for booleans, NULL when absent.
   */
  jsonScalar(doc: string, path: readonly string[]): string;
  /** SQL for the JSON type name at `path`: 'text' | 'integer' | 'real' | 'true' | 'false' | 'null' | 'array' | 'object' | NULL. */
  jsonType(doc: string, path: readonly string[]): string;
  /** A FROM item iterating the elements of the JSON array at `path`, aliased `alias`. */
  jsonElements(doc: string, path: readonly string[], alias: string): string;
  /** The scalar value of an element produced by `jsonElements`. */
  elementScalar(alias: string): string;
  /** The scalar of `key` inside an object element produced by `jsonElements`. */
  elementField(alias: string, key: string): string;
  /** The array index of an element produced by `jsonElements` (its order in the array). */
  elementIndex(alias: string): string;
  /** The JSON type of an element produced by `jsonElements`. */
  elementType(alias: string): string;
  /** The JSON type of `key` inside an object element. */
  elementFieldType(alias: string, key: string): string;
  /** foldCase() applied to a stored text expression (rare paths only: member `type` and `$ref`). */
  fold(expr: string): string;
  /** foldCase() of a member row's `display` (members table aliased `alias`). */
  memberDisplayFold(alias: string): string;
  /** The SQL boolean for true/false in a WHERE clause. */
  readonly true: string;
  readonly false: string;
  /** How a JSON boolean scalar compares: the SQL value `jsonScalar` yields for it. */
  booleanValue(b: boolean): unknown;
  /** SQL true when `expr` (a value read by `jsonScalar` / `elementField`) is the JSON `true`. */
  isTrue(expr: string): string;
  /**
   * SQL true when the text `expr` ends with the literal `lit` (RFC 7644 §3.4.2.2 `ew`),
   * by code points, never a pattern; `expr` is known to be non-NULL.
   */
  endsWith(expr: string, lit: unknown, params: Params): string;
  /** SQL position (1-based, 0 when absent) of literal `p` in the text `expr` (`co`, `sw`). */
  position(expr: string, p: string): string;
  /**
   * SQL of the row guard added to every list query of the resources table aliased
   * `alias` (SQLite: the per-row deadline check, docs/storage.md "Query deadline"),
   * or undefined when the database enforces the deadline itself.
   */
  rowGuard(alias: string): string | undefined;
}

const quoteKey = (k: string): string => `"${k.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
/** A SQL string literal of a JSON path such as `$."emails"` (names come from the schema, quoted anyway). */
const jsonPath = (path: readonly string[]): string => `'${`$${path.map((k) => `.${quoteKey(k)}`).join('')}`.replaceAll("'", "''")}'`;

/** SQLite (JSON1 built in). */
export const sqliteDialect: SqlDialect = Object.freeze({
  name: 'sqlite' as const,
  placeholder: () => '?',
  jsonScalar: (doc: string, path: readonly string[]) => `json_extract(${doc}, ${jsonPath(path)})`,
  jsonType: (doc: string, path: readonly string[]) => `json_type(${doc}, ${jsonPath(path)})`,
  jsonElements: (doc: string, path: readonly string[], alias: string) => `json_each(${doc}, ${jsonPath(path)}) AS ${alias}`,
  elementScalar: (alias: string) => `${alias}.value`,
  elementField: (alias: string, key: string) => `json_extract(${alias}.value, ${jsonPath([key])})`,
  elementType: (alias: string) => `${alias}.type`,
  elementIndex: (alias: string) => `${alias}.key`,
  elementFieldType: (alias: string, key: string) => `json_type(${alias}.value, ${jsonPath([key])})`,
  fold: (expr: string) => `scim_fold(${expr})`,
  memberDisplayFold: (alias: string) => `scim_fold(${alias}.display)`,
  true: '1',
  false: '0',
  booleanValue: (b: boolean) => (b ? 1 : 0),
  isTrue: (expr: string) => `${expr} IS 1`,
  endsWith: (expr: string, lit: unknown, params: Params) => {
    const n = [...String(lit)].length;
    if (n === 0) return `(typeof(${expr}) = 'text')`;
    // The suffix length is a parameter too (placeholders in text order): the SQL text
    // depends on the filter's shape only, so its prepared statement is reused.
    const len = params.add(-Buffer.byteLength(String(lit), 'utf8'));
    // On BLOBs substr counts bytes and is NUL-safe (on TEXT it stops at a NUL);
    // a UTF-8 byte suffix is exactly a code point suffix.
    return `(substr(CAST(${expr} AS BLOB), ${len}) IS CAST(${params.add(lit)} AS BLOB))`;
  },
  position: (expr: string, p: string) => `instr(${expr}, ${p})`,
  rowGuard: (alias: string) => `scim_live(${alias}.rowid)`,
});

/** A PostgreSQL string literal. */
const pgString = (s: string): string => `'${s.replaceAll("'", "''")}'`;
/** `doc -> 'a' -> 'b'`: the jsonb at `path` (NULL when absent). */
const pgJson = (doc: string, path: readonly string[]): string => `${doc}${path.map((k) => ` -> ${pgString(k)}`).join('')}`;
/**
 * Every text the PostgreSQL dialect reads is in the "C" collation: comparisons and
 * ORDER BY are by code point (UTF-8 byte order), as in the evaluator and in SQLite,
 * whatever the database's default collation.
 */
const c = (expr: string): string => `(${expr} COLLATE "C")`;

/**
 * PostgreSQL 14+ (jsonb). Scalars read from the search document are text (`#>>`):
 * strings as themselves, booleans as 'true' / 'false'; arrays are iterated with
 * `jsonb_array_elements … WITH ORDINALITY` (a scalar counts as a one-element array,
 * as SQLite's `json_each` does).
 */
export const postgresDialect: SqlDialect = Object.freeze({
  name: 'postgres' as const,
  placeholder: (n: number) => `$${n}`,
  jsonScalar: (doc: string, path: readonly string[]) => c(`${pgJson(doc, path)} #>> '{}'`),
  jsonType: (doc: string, path: readonly string[]) => `jsonb_typeof(${pgJson(doc, path)})`,
  jsonElements: (doc: string, path: readonly string[], alias: string) => {
    const v = pgJson(doc, path);
    return `jsonb_array_elements(CASE WHEN jsonb_typeof(${v}) = 'array' THEN ${v} WHEN ${v} IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(${v}) END) WITH ORDINALITY AS ${alias}(value, idx)`;
  },
  elementScalar: (alias: string) => c(`${alias}.value #>> '{}'`),
  elementField: (alias: string, key: string) => c(`${alias}.value -> ${pgString(key)} #>> '{}'`),
  elementType: (alias: string) => `jsonb_typeof(${alias}.value)`,
  elementIndex: (alias: string) => `${alias}.idx`,
  elementFieldType: (alias: string, key: string) => `jsonb_typeof(${alias}.value -> ${pgString(key)})`,
  // Only member types ('User' / 'Group') and `$ref` URLs (a folded base, ASCII path
  // and lowercase ids) are folded in SQL, where lower() is foldCase().
  fold: (expr: string) => c(`lower(${expr})`),
  // foldCase(display) is written with the member row (src/store/postgres).
  memberDisplayFold: (alias: string) => c(`${alias}.display_fold`),
  true: 'TRUE',
  false: 'FALSE',
  booleanValue: (b: boolean) => (b ? 'true' : 'false'),
  isTrue: (expr: string) => `${expr} = 'true'`,
  endsWith: (expr: string, lit: unknown, params: Params) => {
    // right() and char_length() count code points in a UTF-8 database; the same
    // placeholder twice keeps one parameter.
    const p = params.add(lit);
    return `(${expr} IS NOT NULL AND right(${expr}, char_length(${p}::text)) = ${p}::text)`;
  },
  position: (expr: string, p: string) => `strpos(${expr}, ${p}::text)`,
  rowGuard: () => undefined,
});
