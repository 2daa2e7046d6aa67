/**
 * PRECIS preparation of the identifiers Roster keeps unique per tenant (RFC 8264,
 * docs/schema.md "Identifiers"):
 * - User `userName`: RFC 8265 §3.3 UsernameCaseMapped (IdentifierClass, RFC 8264
 *   §4.2; fullwidth/halfwidth forms allowed by the width mapping rule, §3.3.1), with
 *   space-separated userparts (RFC 8265 §3.5): single U+0020 between userparts.
 * - Group `displayName`: RFC 8266 Nickname-style rules on the FreeformClass (RFC 8264
 *   §4.3): letters, digits, symbols, punctuation and single internal spaces.
 * Both: no control, format (Cf), bidi-control, default-ignorable, noncharacter,
 * private-use or unassigned code points; no surrounding or repeated white space
 * (refused, never trimmed: values are stored as sent, RFC 7644 §3.3); and two
 * lookalike rules from UTS #39 (no mixed scripts in a word beyond the "Highly
 * Restrictive" level, §5.2; no combining mark that starts a word or stays
 * uncomposed on a Latin, Greek or Cyrillic letter after NFC).
 * The rules only decide whether a value is accepted; accepted values compare by
 * `foldCase` (./fold.ts), which is the uniqueness key, the SQL search key and the
 * reference evaluator's key. Character properties are the JavaScript engine's
 * Unicode tables (RFC 8264 §11: derived properties follow the Unicode version).
 */
import { invalidValue } from '../errors.ts';
import type { AttributeDefinition } from './types.ts';

/** The two string classes Roster prepares: userName and (Group) displayName. */
export type PrecisProfile = 'UsernameCaseMapped' | 'DisplayName';

/**
 * The profile of an attribute, or undefined when its values are not prepared:
 * case-insensitive unique strings are identifiers (User `userName`, Group
 * `displayName`; `id` is caseExact and server-issued).
 */
export function precisProfileOf(attr: AttributeDefinition): PrecisProfile | undefined {
  if (attr.type !== 'string' || attr.caseExact || attr.uniqueness === 'none' || attr.multiValued) return undefined;
  return attr.name === 'userName' ? 'UsernameCaseMapped' : 'DisplayName';
}

const hex = (cp: number): string => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;

const CONTROL = /^\p{Cc}$/u;
const BIDI_CONTROL = /^\p{Bidi_Control}$/u;
const IGNORABLE = /^[\p{Cf}\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}]$/u;
const UNUSABLE = /^[\p{Cn}\p{Co}\p{Cs}\p{Zl}\p{Zp}]$/u;
const SPACE = /^\p{Zs}$/u;
const LETTER_DIGIT = /^[\p{Ll}\p{Lu}\p{Lo}\p{Nd}\p{Lm}\p{Mn}\p{Mc}]$/u;
const OTHER_LETTER_DIGIT = /^[\p{Lt}\p{Nl}\p{No}\p{Me}]$/u;
const SYMBOL_PUNCTUATION = /^[\p{S}\p{P}]$/u;
const MARK = /^\p{M}$/u;
const ASCII_WORDS = /^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/;
const LETTER = /^\p{L}$/u;
const LGC = /^[\p{Script_Extensions=Latin}\p{Script_Extensions=Greek}\p{Script_Extensions=Cyrillic}]$/u;

// RFC 5892 §2.6 exceptions, used by RFC 8264 §9.6 (F).
const EXCEPTION_PVALID = new Set([0x00df, 0x03c2, 0x06fd, 0x06fe, 0x0f0b, 0x3007]);
const EXCEPTION_DISALLOWED = new Set([0x0640, 0x07fa, 0x302e, 0x302f, 0x3031, 0x3032, 0x3033, 0x3034, 0x3035, 0x303b]);
const isArabicIndic = (cp: number): boolean => cp >= 0x0660 && cp <= 0x0669;
const isExtArabicIndic = (cp: number): boolean => cp >= 0x06f0 && cp <= 0x06f9;
const CONTEXTO = new Set([0x00b7, 0x0375, 0x05f3, 0x05f4, 0x30fb]);
// RFC 8264 §9.9 OldHangulJamo (Hangul_Syllable_Type L, V, T).
const isOldHangulJamo = (cp: number): boolean =>
  (cp >= 0x1100 && cp <= 0x11ff) || (cp >= 0xa960 && cp <= 0xa97f) || (cp >= 0xd7b0 && cp <= 0xd7ff);
// RFC 8265 §3.3.1 width mapping: code points with a <wide> or <narrow> decomposition.
const isWidthForm = (cp: number): boolean => cp === 0x3000 || (cp >= 0xff01 && cp <= 0xffee);

/** RFC 5892 Appendix A.3–A.9 contextual rules, on the code points of the whole string. */
function contextOk(cps: readonly number[], i: number): boolean {
  const cp = cps[i] as number;
  const at = (j: number): string => (j >= 0 && j < cps.length ? String.fromCodePoint(cps[j] as number) : '');
  if (cp === 0x00b7) return /^[lL]$/.test(at(i - 1)) && /^[lL]$/.test(at(i + 1)); // A.3 MIDDLE DOT
  if (cp === 0x0375) return /^\p{Script=Greek}$/u.test(at(i + 1)); // A.4 KERAIA
  if (cp === 0x05f3 || cp === 0x05f4) return /^\p{Script=Hebrew}$/u.test(at(i - 1)); // A.5, A.6
  if (cp === 0x30fb) return cps.some((c) => c !== 0x30fb && /^[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]$/u.test(String.fromCodePoint(c))); // A.7
  if (isArabicIndic(cp)) return !cps.some(isExtArabicIndic); // A.8
  if (isExtArabicIndic(cp)) return !cps.some(isArabicIndic); // A.9
  return true;
}

/**
 * Why one code point is refused, or undefined when it is allowed (RFC 8264 §8 order:
 * exceptions, unassigned, ASCII7, join controls, old Hangul jamo, ignorables,
 * controls, compatibility forms, letters/digits, then the class-dependent rest).
 * Spaces are checked by the caller. Join controls (ZWJ, ZWNJ) are always refused:
 * stricter than RFC 5892 CONTEXTJ (docs/schema.md).
 */
function codePointRefusal(cps: readonly number[], i: number, identifier: boolean): string | undefined {
  const cp = cps[i] as number;
  const ch = String.fromCodePoint(cp);
  if (EXCEPTION_PVALID.has(cp)) return undefined;
  if (EXCEPTION_DISALLOWED.has(cp)) return `${hex(cp)} is disallowed (RFC 5892 §2.6)`;
  if (CONTEXTO.has(cp) || isArabicIndic(cp) || isExtArabicIndic(cp)) {
    return contextOk(cps, i) ? undefined : `${hex(cp)} is not allowed in this context (RFC 5892 Appendix A)`;
  }
  if (cp >= 0x21 && cp <= 0x7e) return undefined;
  const memo = identifier ? identifierMemo : freeformMemo;
  if (memo.has(cp)) return memo.get(cp);
  const r = classRefusal(cp, ch, identifier);
  if (memo.size < 4096) memo.set(cp, r);
  return r;
}

const identifierMemo = new Map<number, string | undefined>();
const freeformMemo = new Map<number, string | undefined>();

/** The context-free part of `codePointRefusal`. */
function classRefusal(cp: number, ch: string, identifier: boolean): string | undefined {
  if (CONTROL.test(ch)) return `${hex(cp)} is a control character`;
  if (BIDI_CONTROL.test(ch)) return `${hex(cp)} is a bidirectional control`;
  if (IGNORABLE.test(ch)) return `${hex(cp)} is a format, default-ignorable or noncharacter code point`;
  if (UNUSABLE.test(ch)) return `${hex(cp)} is unassigned, private-use or a line/paragraph separator`;
  if (isOldHangulJamo(cp)) return `${hex(cp)} is an old Hangul jamo`;
  if (SPACE.test(ch)) return undefined;
  if (identifier && ch.normalize('NFKC') !== ch) {
    if (!isWidthForm(cp)) return `${hex(cp)} is a compatibility form`;
    const mapped = [...ch.normalize('NFKC')].map((c) => c.codePointAt(0) as number);
    return mapped.map((_, j) => codePointRefusal(mapped, j, identifier)).find((r) => r !== undefined);
  }
  if (LETTER_DIGIT.test(ch)) return undefined;
  if (identifier) return `${hex(cp)} is not a letter, digit or ASCII character`;
  if (OTHER_LETTER_DIGIT.test(ch) || SYMBOL_PUNCTUATION.test(ch) || ch.normalize('NFKC') !== ch) return undefined;
  return `${hex(cp)} is disallowed`;
}

// UTS #39 §5.1: scripts of a character by Script_Extensions, augmented with the
// writing systems Jpan (Han+Hiragana+Katakana), Hanb (Han+Bopomofo), Kore (Han+Hangul).
const SCRIPTS = [
  'Latin', 'Greek', 'Cyrillic', 'Armenian', 'Georgian', 'Hebrew', 'Arabic', 'Syriac', 'Thaana', 'Nko',
  'Devanagari', 'Bengali', 'Gurmukhi', 'Gujarati', 'Oriya', 'Tamil', 'Telugu', 'Kannada', 'Malayalam',
  'Sinhala', 'Thai', 'Lao', 'Tibetan', 'Myanmar', 'Khmer', 'Mongolian', 'Ethiopic', 'Cherokee',
  'Canadian_Aboriginal', 'Tifinagh', 'Hangul', 'Hiragana', 'Katakana', 'Bopomofo', 'Han', 'Yi', 'Vai',
  'Javanese', 'Balinese', 'Sundanese', 'Runic', 'Ogham', 'Coptic', 'Glagolitic', 'Gothic', 'Old_Italic',
] as const;
const SCRIPT_RE = SCRIPTS.map((s) => [s, new RegExp(`^\\p{Script_Extensions=${s}}$`, 'u')] as const);
const NEUTRAL = /^[\p{Script=Common}\p{Script=Inherited}]$/u;
const AUGMENT: Record<string, readonly string[]> = {
  Han: ['Jpan', 'Hanb', 'Kore'], Hiragana: ['Jpan'], Katakana: ['Jpan'], Hangul: ['Kore'], Bopomofo: ['Hanb'],
};

const scriptMemo = new Map<string, Set<string> | undefined>();

/** The augmented script set of a character; undefined for Common/Inherited ones. */
function scriptSet(ch: string): Set<string> | undefined {
  if (scriptMemo.has(ch)) return scriptMemo.get(ch);
  const out = scriptSetOf(ch);
  if (scriptMemo.size < 4096) scriptMemo.set(ch, out);
  return out;
}

function scriptSetOf(ch: string): Set<string> | undefined {
  const out = new Set<string>();
  for (const [name, re] of SCRIPT_RE) {
    if (!re.test(ch)) continue;
    out.add(name);
    for (const a of AUGMENT[name] ?? []) out.add(a);
  }
  if (out.size > 0) return out;
  return NEUTRAL.test(ch) ? undefined : new Set(['Other']);
}

/** The scripts common to all sets (undefined for no sets); memoised sets repeat, so skip repeats. */
function intersect(sets: readonly Set<string>[]): Set<string> | undefined {
  let acc: Set<string> | undefined;
  let last: Set<string> | undefined;
  for (const s of sets) {
    if (s === last) continue;
    last = s;
    if (acc === undefined) acc = new Set(s);
    else for (const x of acc) if (!s.has(x)) acc.delete(x);
  }
  return acc;
}

/** UTS #39 §5.2 "Highly Restrictive": one script, or Latin with Jpan, Hanb or Kore. */
function highlyRestrictive(word: string): boolean {
  const sets = [...word].map(scriptSet).filter((s): s is Set<string> => s !== undefined);
  const all = intersect(sets);
  if (all === undefined || all.size > 0) return true;
  const rest = intersect(sets.filter((s) => !s.has('Latin')));
  return rest !== undefined && ['Jpan', 'Hanb', 'Kore'].some((x) => rest.has(x));
}

/** The lookalike rules of one NFC word (docs/schema.md "Lookalikes"). */
function wordRefusal(word: string): string | undefined {
  const chars = [...word];
  let base: string | undefined;
  for (const ch of chars) {
    if (!MARK.test(ch)) {
      base = ch;
      continue;
    }
    const cp = hex(ch.codePointAt(0) as number);
    if (base === undefined) return `a word starts with the combining mark ${cp}`;
    if (!LETTER.test(base) || LGC.test(base)) return `the combining mark ${cp} does not compose with "${base}" (NFC)`;
  }
  if (!highlyRestrictive(word)) return 'a word mixes scripts (UTS #39 §5.2 Highly Restrictive)';
  return undefined;
}

/**
 * Why `value` is refused under `profile`, or undefined when it is accepted.
 * Pure; used for request bodies (400 `invalidValue`) and filter literals (an
 * `eq` literal that is refused equals no stored value).
 */
export function precisRefusal(profile: PrecisProfile, value: string): string | undefined {
  if (value === '') return 'it is empty';
  // Printable ASCII words separated by single spaces pass every rule below (fast path).
  if (ASCII_WORDS.test(value)) return undefined;
  const identifier = profile === 'UsernameCaseMapped';
  const cps = [...value].map((c) => c.codePointAt(0) as number);
  for (let i = 0; i < cps.length; i++) {
    const r = codePointRefusal(cps, i, identifier);
    if (r !== undefined) return `it contains ${r}`;
  }
  if (/^\p{Zs}|\p{Zs}$/u.test(value)) return 'it begins or ends with white space';
  if (/\p{Zs}{2}/u.test(value)) return 'it contains repeated white space';
  const other = identifier ? /(?! )\p{Zs}/u.exec(value) : null;
  if (other !== null) return `it contains the space ${hex(other[0].codePointAt(0) as number)} (userparts are separated by U+0020 only)`;
  for (const word of value.normalize('NFC').split(/\p{Zs}/u)) {
    const r = wordRefusal(word);
    if (r !== undefined) return r;
  }
  return undefined;
}

/**
 * Throws 400 `invalidValue` when `value` fails `precisRefusal`; `path` names the
 * attribute in the detail. Returns the value unchanged (stored as sent).
 */
export function enforcePrecis(profile: PrecisProfile, value: string, path: string): string {
  const r = precisRefusal(profile, value);
  if (r !== undefined) {
    const rule = profile === 'UsernameCaseMapped' ? 'a PRECIS username (RFC 8265)' : 'a PRECIS display name (RFC 8264 FreeformClass)';
    throw invalidValue(`Attribute "${path}" must be ${rule}: ${r}`);
  }
  return value;
}

/**
 * True when an `eq`/`ne` filter literal on `def` can equal a stored value: always,
 * except for a prepared attribute whose literal fails preparation (no accepted value
 * equals it, docs/filters.md). Shared by the evaluator and the SQL compiler.
 */
export function literalCanMatch(def: AttributeDefinition, literal: string): boolean {
  const profile = precisProfileOf(def);
  return profile === undefined || precisRefusal(profile, literal) === undefined;
}
