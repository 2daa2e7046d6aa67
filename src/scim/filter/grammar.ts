/**
 * Recursive-descent productions of the RFC 7644 §3.4.2.2 filter grammar, shared by
 * `parseFilter` and the PATCH path parser (which only swaps the error factory).
 * Precedence: `not` / grouping > `and` > `or`; `and`/`or` chains are built in a loop
 * (left-associative), so a long flat chain never recurses per term. Recursion happens
 * only for `(`, `not (` and `[`, and is capped by `maxDepth` before it happens.
 */
import type { AttrPath, CompareOp, CompValue, Filter } from './ast.ts';
import { keywordOf } from './lexer.ts';
import type { ErrorFactory, Lexer, NameToken, Token } from './lexer.ts';

const COMPARE_OPS: ReadonlySet<string> = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);
const ORDERING_OPS: ReadonlySet<string> = new Set(['gt', 'ge', 'lt', 'le']);
const SUBSTRING_OPS: ReadonlySet<string> = new Set(['co', 'sw', 'ew']);

/** Human description of a token for error messages. */
export function describeToken(t: Token): string {
  switch (t.type) {
    case 'eof': return 'end of input';
    case 'name': return `'${t.name}'`;
    case 'string': return 'a string';
    case 'number': return 'a number';
    default: return `'${t.type}'`;
  }
}

/** The frozen `AttrPath` of a name token (optional members absent, not undefined). */
export function attrPathOf(t: NameToken): AttrPath {
  const p: { uri?: string; name: string; sub?: string } = { name: t.name };
  if (t.uri !== undefined) p.uri = t.uri;
  if (t.sub !== undefined) p.sub = t.sub;
  return Object.freeze(p);
}

export class FilterGrammar {
  private depth = 0;

  constructor(
    private readonly lex: Lexer,
    private readonly fail: ErrorFactory,
    private readonly maxDepth: number,
  ) {}

  /**
   * FILTER = attrExp / logExp / valuePath / *1"not" "(" FILTER ")"
   * logExp = FILTER SP ("and" / "or") SP FILTER
   * Here: orExp = andExp *("or" andExp). With `inValue`, this is valFilter (inside `[...]`).
   */
  parseOr(inValue: boolean): Filter {
    let left = this.parseAnd(inValue);
    while (keywordOf(this.lex.peek()) === 'or') {
      this.lex.next();
      const right = this.parseAnd(inValue);
      left = Object.freeze({ kind: 'or', left, right });
    }
    return left;
  }

  /** andExp = unary *("and" unary) */
  private parseAnd(inValue: boolean): Filter {
    let left = this.parseUnary(inValue);
    while (keywordOf(this.lex.peek()) === 'and') {
      this.lex.next();
      const right = this.parseUnary(inValue);
      left = Object.freeze({ kind: 'and', left, right });
    }
    return left;
  }

  /**
   * unary = "not" [SP] "(" FILTER ")" / "(" FILTER ")" / valuePath / attrExp
   * RFC 7644 §3.4.2.2: `not` always takes a parenthesised filter.
   */
  private parseUnary(inValue: boolean): Filter {
    const t = this.lex.peek();
    if (t.type === '(') {
      this.lex.next();
      return this.group(t, ')', inValue);
    }
    if (t.type !== 'name') throw this.fail(`expected an attribute path, found ${describeToken(t)}`, t.offset);
    if (keywordOf(t) === 'not') {
      const after = this.lex.peek(1);
      if (after.type === '(') {
        this.lex.next();
        this.lex.next();
        return Object.freeze({ kind: 'not', filter: this.group(after, ')', inValue) });
      }
      // `not` is only an attribute name when an operator or `[` follows it.
      const k = keywordOf(after);
      if (after.type !== '[' && !(k !== undefined && (k === 'pr' || COMPARE_OPS.has(k)))) {
        throw this.fail("'not' must be followed by a parenthesised filter: not (...)", after.offset);
      }
    }
    return this.parseAttrExp(inValue);
  }

  /** Parses the body of `(`/`[` (already consumed) up to its closing token. */
  private group(open: Token, close: ')' | ']', inValue: boolean): Filter {
    if (++this.depth > this.maxDepth) {
      throw this.fail(`filter nested too deeply (more than ${this.maxDepth} levels)`, open.offset);
    }
    const inner = this.parseOr(inValue);
    this.depth--;
    const t = this.lex.next();
    if (t.type !== close) {
      throw this.fail(`expected 'and', 'or' or '${close}', found ${describeToken(t)}`, t.offset);
    }
    return inner;
  }

  /**
   * attrExp   = (attrPath SP "pr") / (attrPath SP compareOp SP compValue)
   * valuePath = attrPath "[" valFilter "]"
   */
  private parseAttrExp(inValue: boolean): Filter {
    const pathTok = this.lex.next() as NameToken;
    const path = attrPathOf(pathTok);
    if (inValue && (path.uri !== undefined || path.sub !== undefined)) {
      throw this.fail('inside [...] only sub-attribute names are allowed', pathTok.offset);
    }
    const opTok = this.lex.next();
    if (opTok.type === '[') {
      // RFC 7644 errata 4690: value paths do not nest.
      if (inValue) throw this.fail('value filters cannot be nested', opTok.offset);
      if (path.sub !== undefined) {
        throw this.fail('a value filter applies to an attribute, not to a sub-attribute', opTok.offset);
      }
      const filter = this.group(opTok, ']', true);
      return Object.freeze({ kind: 'valuePath', path, filter });
    }
    const op = keywordOf(opTok);
    if (op === 'pr') return Object.freeze({ kind: 'present', path });
    if (op === undefined || !COMPARE_OPS.has(op)) {
      throw this.fail(
        `expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr), found ${describeToken(opTok)}`,
        opTok.offset,
      );
    }
    const value = this.parseCompValue(op);
    return Object.freeze({ kind: 'compare', path, op: op as CompareOp, value });
  }

  /** compValue = false / null / true / number / string */
  private parseCompValue(op: string): CompValue {
    const t = this.lex.next();
    let value: CompValue;
    if (t.type === 'string' || t.type === 'number') value = t.value;
    else {
      const k = keywordOf(t);
      if (k === 'true') value = true;
      else if (k === 'false') value = false;
      else if (k === 'null') value = null;
      else if (t.type === 'name') {
        throw this.fail(`comparison value ${describeToken(t)} is not a JSON literal; quote strings`, t.offset);
      } else throw this.fail(`expected a comparison value, found ${describeToken(t)}`, t.offset);
    }
    // RFC 7644 §3.4.2.2: gt/ge/lt/le on booleans are invalidFilter; null has no order.
    if (ORDERING_OPS.has(op) && (value === null || typeof value === 'boolean')) {
      throw this.fail(`'${op}' needs a string or number value`, t.offset);
    }
    if (SUBSTRING_OPS.has(op) && typeof value !== 'string') {
      throw this.fail(`'${op}' needs a string value`, t.offset);
    }
    return value;
  }

  /** Fails unless every token has been consumed. */
  expectEnd(what: string): void {
    const t = this.lex.peek();
    if (t.type === 'eof') return;
    if (t.type === ')' || t.type === ']') throw this.fail(`unbalanced '${t.type}'`, t.offset);
    throw this.fail(`expected ${what}, found ${describeToken(t)}`, t.offset);
  }
}
