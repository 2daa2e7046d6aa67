/**
 * PATCH paths (RFC 7644 §3.5.2) and plain attribute paths (`sortBy`, `attributes`,
 * RFC 7644 §3.4.2.3 and §3.4.2.5), sharing the filter lexer and grammar.
 *
 * Every failure, including a syntax error inside the `[...]` value filter, is
 * `invalidPath`: RFC 7644 §3.5.2 names invalidPath for a malformed "path", and the
 * filter is part of that path. The detail and offset locate the problem in the path.
 */
import { invalidPath } from '../errors.ts';
import type { AttrPath, PatchPath } from '../filter/ast.ts';
import { attrPathOf, describeToken, FilterGrammar } from '../filter/grammar.ts';
import { Lexer } from '../filter/lexer.ts';

export interface PathLimits {
  /** Longest accepted path, in UTF-16 code units. Default 1024. */
  readonly maxLength?: number;
  /** Deepest nesting inside the value filter. Default 32. */
  readonly maxDepth?: number;
}

export const DEFAULT_PATH_MAX_LENGTH = 1024;

function lexerFor(text: string, limits: PathLimits | undefined): Lexer {
  const maxLength = limits?.maxLength ?? DEFAULT_PATH_MAX_LENGTH;
  if (typeof text !== 'string') throw invalidPath('path must be a string', 0);
  if (text.length > maxLength) throw invalidPath(`path is longer than ${maxLength} characters`, maxLength);
  return new Lexer(text, invalidPath);
}

function expectEnd(lex: Lexer): void {
  const t = lex.peek();
  if (t.type !== 'eof') throw invalidPath(`unexpected ${describeToken(t)} in path`, t.offset);
}

/**
 * Parses a PATCH operation path.
 * `PATH = attrPath / valuePath [subAttr]` (RFC 7644 §3.5.2), e.g. `name.familyName`,
 * `members[value eq "2819c223"]`, `emails[type eq "work"].value`,
 * `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`.
 * @throws ScimError `invalidPath` with the offset of the problem.
 */
export function parsePath(text: string, limits?: PathLimits): PatchPath {
  const lex = lexerFor(text, limits);
  const first = lex.next();
  if (first.type !== 'name') throw invalidPath(`expected an attribute path, found ${describeToken(first)}`, first.offset);
  const attr = attrPathOf(first);
  if (lex.peek().type !== '[') {
    expectEnd(lex);
    return Object.freeze({ attr });
  }
  const open = lex.next();
  if (attr.sub !== undefined) {
    throw invalidPath('a value filter applies to an attribute, not to a sub-attribute', open.offset);
  }
  const grammar = new FilterGrammar(lex, invalidPath, limits?.maxDepth ?? 32);
  const valueFilter = grammar.parseOr(true);
  const close = lex.next();
  if (close.type !== ']') {
    throw invalidPath(`expected 'and', 'or' or ']', found ${describeToken(close)}`, close.offset);
  }
  if (lex.peek().type !== '.') {
    expectEnd(lex);
    return Object.freeze({ attr, valueFilter });
  }
  lex.next();
  // subAttr = "." ATTRNAME
  const sub = lex.next();
  if (sub.type !== 'name' || sub.uri !== undefined || sub.sub !== undefined) {
    throw invalidPath('expected a sub-attribute name after "]."', sub.offset);
  }
  expectEnd(lex);
  return Object.freeze({ attr, valueFilter, subAttr: sub.name });
}

/**
 * Parses `[URI ":"] ATTRNAME [ "." ATTRNAME ]` alone (RFC 7644 §3.10), as used by
 * `sortBy` and the `attributes` / `excludedAttributes` lists.
 * @throws ScimError `invalidPath` with the offset of the problem.
 */
export function parseAttrPath(text: string, limits?: PathLimits): AttrPath {
  const lex = lexerFor(text, limits);
  const t = lex.next();
  if (t.type !== 'name') throw invalidPath(`expected an attribute path, found ${describeToken(t)}`, t.offset);
  expectEnd(lex);
  return attrPathOf(t);
}
