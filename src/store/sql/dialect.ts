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
  /** foldCase() applied to a stored text expression (rare paths only). */
  fold(expr: string): string;
  /** The SQL boolean for true/false in a WHERE clause. */
  readonly true: string;
  readonly false: string;
  /** How a JSON boolean scalar compares: the SQL value `jsonScalar` yields for it. */
  booleanValue(b: boolean): unknown;
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
  true: '1',
  false: '0',
  booleanValue: (b: boolean) => (b ? 1 : 0),
});
