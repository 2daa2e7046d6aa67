/**
 * `parseFilter`: RFC 7644 §3.4.2.2 filter text → frozen `Filter` AST.
 * Every failure is `invalidFilter` with the character offset of the problem.
 */
import { invalidFilter } from '../errors.ts';
import type { Filter } from './ast.ts';
import { FilterGrammar } from './grammar.ts';
import { Lexer } from './lexer.ts';

/** Caps applied before any scanning or recursion (docs/reliability.md RL-2, RL-3). */
export interface FilterLimits {
  /** Longest accepted filter, in UTF-16 code units. Default 16384. */
  readonly maxLength?: number;
  /** Deepest nesting of `(...)`, `not (...)` and `[...]`. Default 32. */
  readonly maxDepth?: number;
}

export const DEFAULT_FILTER_MAX_LENGTH = 16384;
export const DEFAULT_FILTER_MAX_DEPTH = 32;

/**
 * Parses a SCIM filter. Operators and the literals true/false/null are
 * case-insensitive (RFC 7644 §3.4.2.2); attribute names keep their spelling.
 * Values must be JSON literals: an unquoted word such as `jyoung` is refused.
 * @throws ScimError `invalidFilter` (with `offset`) on any syntax error or cap.
 */
export function parseFilter(text: string, limits?: FilterLimits): Filter {
  const maxLength = limits?.maxLength ?? DEFAULT_FILTER_MAX_LENGTH;
  const maxDepth = limits?.maxDepth ?? DEFAULT_FILTER_MAX_DEPTH;
  if (typeof text !== 'string') throw invalidFilter('filter must be a string', 0);
  if (text.length > maxLength) throw invalidFilter(`filter is longer than ${maxLength} characters`, maxLength);
  const grammar = new FilterGrammar(new Lexer(text, invalidFilter), invalidFilter, maxDepth);
  const filter = grammar.parseOr(false);
  grammar.expectEnd("'and', 'or' or the end of the filter");
  return filter;
}
