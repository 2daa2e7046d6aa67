/**
 * The tokenizer shared by the filter parser (RFC 7644 §3.4.2.2) and the PATCH path
 * parser (§3.5.2). Hand-written, one pass, no regular expressions on the input, so
 * it runs in time linear in the input length (docs/reliability.md RL-3).
 */
import type { ScimError } from '../errors.ts';

/** Builds the error to throw; filters use `invalidFilter`, paths `invalidPath`. */
export type ErrorFactory = (detail: string, offset: number) => ScimError;

/**
 * `attrPath = [URI ":"] ATTRNAME *1subAttr`. Bare words (operators, `and`, `or`,
 * `not`, `true`, `false`, `null`) are name tokens too; the parser decides by position.
 */
export interface NameToken {
  readonly type: 'name';
  readonly offset: number;
  readonly end: number;
  readonly uri?: string;
  readonly name: string;
  readonly sub?: string;
}

export interface StringToken {
  readonly type: 'string';
  readonly offset: number;
  readonly end: number;
  readonly value: string;
}

export interface NumberToken {
  readonly type: 'number';
  readonly offset: number;
  readonly end: number;
  readonly value: number;
}

export interface PunctToken {
  readonly type: '(' | ')' | '[' | ']' | '.' | 'eof';
  readonly offset: number;
  readonly end: number;
}

export type Token = NameToken | StringToken | NumberToken | PunctToken;

const isAlpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
// nameChar = "-" / "_" / DIGIT / ALPHA (RFC 7643 §2.1)
const isNameChar = (c: number): boolean => isAlpha(c) || isDigit(c) || c === 0x2d || c === 0x5f;
// Characters of a path "run": names, sub-attribute dots, URN colons, and `$` of `$ref`.
const isRunChar = (c: number): boolean => isNameChar(c) || c === 0x2e || c === 0x3a || c === 0x24;
const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/** The token's name when it is a bare word (no URN, no sub-attribute), lower-cased. */
export function keywordOf(t: Token): string | undefined {
  return t.type === 'name' && t.uri === undefined && t.sub === undefined ? t.name.toLowerCase() : undefined;
}

/** Streams tokens on demand with up to two tokens of look-ahead. */
export class Lexer {
  private pos = 0;
  private readonly buffer: Token[] = [];

  constructor(
    readonly text: string,
    private readonly fail: ErrorFactory,
  ) {}

  peek(ahead: 0 | 1 = 0): Token {
    while (this.buffer.length <= ahead) this.buffer.push(this.scan());
    return this.buffer[ahead] as Token;
  }

  next(): Token {
    const t = this.peek();
    this.buffer.shift();
    return t;
  }

  private scan(): Token {
    const s = this.text;
    while (this.pos < s.length && isSpace(s.charCodeAt(this.pos))) this.pos++;
    const start = this.pos;
    if (start >= s.length) return { type: 'eof', offset: start, end: start };
    const c = s.charCodeAt(start);
    switch (c) {
      case 0x28: case 0x29: case 0x5b: case 0x5d: case 0x2e:
        this.pos++;
        return { type: s[start] as PunctToken['type'], offset: start, end: this.pos };
      case 0x22:
        return this.scanString();
    }
    if (c === 0x2d || isDigit(c)) return this.scanNumber();
    if (isAlpha(c) || c === 0x24) return this.scanName();
    throw this.fail(`unexpected character ${JSON.stringify(String.fromCodePoint(s.codePointAt(start) ?? c))}`, start);
  }

  /** `[URI ":"] ATTRNAME ["." ATTRNAME]`: the URI is everything up to the last colon. */
  private scanName(): NameToken {
    const s = this.text;
    const start = this.pos;
    let lastColon = -1;
    while (this.pos < s.length && isRunChar(s.charCodeAt(this.pos))) {
      if (s.charCodeAt(this.pos) === 0x3a) lastColon = this.pos;
      this.pos++;
    }
    const end = this.pos;
    const attrStart = lastColon >= 0 ? lastColon + 1 : start;
    // ATTRNAME *1subAttr: at most one dot after the last colon.
    let dot = -1;
    for (let i = attrStart; i < end; i++) {
      if (s.charCodeAt(i) !== 0x2e) continue;
      if (dot >= 0) throw this.fail('an attribute path has at most one sub-attribute', i);
      dot = i;
    }
    const name = this.attrName(attrStart, dot >= 0 ? dot : end);
    const sub = dot >= 0 ? this.attrName(dot + 1, end) : undefined;
    const token: { -readonly [K in keyof NameToken]: NameToken[K] } = { type: 'name', offset: start, end, name };
    if (lastColon >= 0) token.uri = s.slice(start, lastColon);
    if (sub !== undefined) token.sub = sub;
    return token;
  }

  // ATTRNAME = ALPHA *(nameChar), plus "$ref" (RFC 7643 §2.1, §2.3.7).
  private attrName(from: number, to: number): string {
    const s = this.text;
    if (from >= to) throw this.fail('expected an attribute name', from);
    const text = s.slice(from, to);
    if (text.toLowerCase() === '$ref') return text;
    if (!isAlpha(s.charCodeAt(from))) throw this.fail(`invalid attribute name ${JSON.stringify(text)}`, from);
    for (let i = from + 1; i < to; i++) {
      if (!isNameChar(s.charCodeAt(i))) throw this.fail(`invalid character in attribute name ${JSON.stringify(text)}`, i);
    }
    return text;
  }

  // RFC 8259 §6: number = [ minus ] int [ frac ] [ exp ]
  private scanNumber(): NumberToken {
    const s = this.text;
    const start = this.pos;
    const digits = (): number => {
      const from = this.pos;
      while (this.pos < s.length && isDigit(s.charCodeAt(this.pos))) this.pos++;
      return this.pos - from;
    };
    if (s.charCodeAt(this.pos) === 0x2d) this.pos++;
    const intStart = this.pos;
    const intLen = digits();
    if (intLen === 0) throw this.fail('invalid number', start);
    if (intLen > 1 && s.charCodeAt(intStart) === 0x30) throw this.fail('invalid number: leading zero', start);
    if (s.charCodeAt(this.pos) === 0x2e) {
      this.pos++;
      if (digits() === 0) throw this.fail('invalid number: digits expected after "."', this.pos);
    }
    const e = s.charCodeAt(this.pos);
    if (e === 0x65 || e === 0x45) {
      this.pos++;
      const sign = s.charCodeAt(this.pos);
      if (sign === 0x2b || sign === 0x2d) this.pos++;
      if (digits() === 0) throw this.fail('invalid number: digits expected in exponent', this.pos);
    }
    if (this.pos < s.length && isRunChar(s.charCodeAt(this.pos))) {
      throw this.fail('invalid number (unquoted values are not allowed; quote strings)', start);
    }
    const value = Number(s.slice(start, this.pos));
    if (!Number.isFinite(value)) throw this.fail('number out of range', start);
    return { type: 'number', offset: start, end: this.pos, value: value === 0 ? 0 : value };
  }

  // RFC 8259 §7: a JSON string with every escape; control characters must be escaped.
  // Unpaired surrogates and U+0000 are refused: they cannot be stored or compared in SQL.
  private scanString(): StringToken {
    const s = this.text;
    const start = this.pos;
    this.pos++;
    let out = '';
    let chunk = this.pos;
    for (;;) {
      if (this.pos >= s.length) throw this.fail('unterminated string', start);
      const c = s.charCodeAt(this.pos);
      if (c === 0x22) {
        out += s.slice(chunk, this.pos);
        this.pos++;
        return { type: 'string', offset: start, end: this.pos, value: out };
      }
      if (c === 0x5c) {
        out += s.slice(chunk, this.pos);
        out += this.scanEscape();
        chunk = this.pos;
        continue;
      }
      if (c < 0x20) throw this.fail('control character in string must be escaped', this.pos);
      if (c >= 0xd800 && c <= 0xdbff) {
        const d = s.charCodeAt(this.pos + 1);
        if (!(d >= 0xdc00 && d <= 0xdfff)) throw this.fail('unpaired surrogate in string', this.pos);
        this.pos += 2;
        continue;
      }
      if (c >= 0xdc00 && c <= 0xdfff) throw this.fail('unpaired surrogate in string', this.pos);
      this.pos++;
    }
  }

  private scanEscape(): string {
    const s = this.text;
    const at = this.pos;
    const c = s[this.pos + 1];
    this.pos += 2;
    switch (c) {
      case '"': return '"';
      case '\\': return '\\';
      case '/': return '/';
      case 'b': return '\b';
      case 'f': return '\f';
      case 'n': return '\n';
      case 'r': return '\r';
      case 't': return '\t';
      case 'u': {
        const hi = this.hex4(at);
        if (hi === 0) throw this.fail('U+0000 is not allowed in a string', at);
        if (hi >= 0xdc00 && hi <= 0xdfff) throw this.fail('unpaired surrogate in string', at);
        if (hi < 0xd800 || hi > 0xdbff) return String.fromCharCode(hi);
        if (s[this.pos] !== '\\' || s[this.pos + 1] !== 'u') throw this.fail('unpaired surrogate in string', at);
        const lowAt = this.pos;
        this.pos += 2;
        const lo = this.hex4(lowAt);
        if (lo < 0xdc00 || lo > 0xdfff) throw this.fail('unpaired surrogate in string', at);
        return String.fromCharCode(hi, lo);
      }
      default:
        throw this.fail('invalid escape in string', at);
    }
  }

  private hex4(escapeAt: number): number {
    let v = 0;
    for (let i = 0; i < 4; i++) {
      const c = this.text.charCodeAt(this.pos + i);
      const d = isDigit(c) ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
      if (d < 0) throw this.fail('invalid \\u escape in string', escapeAt);
      v = v * 16 + d;
    }
    this.pos += 4;
    return v;
  }
}
