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

/**
 * Longest accepted identifier, in code points (RFC 8265 §3.4 and RFC 8264 §5 leave
 * length limits to the application; identity providers cap user names well below).
 */
export const MAX_CODE_POINTS = 1024;

const hex = (cp: number): string => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;

const CONTROL = /^\p{Cc}$/u;
const BIDI_CONTROL = /^\p{Bidi_Control}$/u;
const IGNORABLE = /^[\p{Cf}\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}]$/u;
const UNUSABLE = /^[\p{Cn}\p{Co}\p{Cs}\p{Zl}\p{Zp}]$/u;
const LETTER_DIGIT = /^[\p{Ll}\p{Lu}\p{Lo}\p{Nd}\p{Lm}\p{Mn}\p{Mc}]$/u;
const ASCII_WORDS = /^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/;
const isOldHangulJamo = (cp: number): boolean =>
  (cp >= 0x1100 && cp <= 0x11ff) || (cp >= 0xa960 && cp <= 0xa97f) || (cp >= 0xd7b0 && cp <= 0xd7ff);

// Whole-string scans (linear; the per-character description runs only on a hit).
// Refused in both classes (RFC 8264 §8): controls, ignorables (Cf, default-ignorable,
// noncharacters), unassigned, private-use, surrogates, line/paragraph separators,
// old Hangul jamo (§9.9), and the RFC 5892 §2.6 DISALLOWED exceptions.
const DISALLOWED = /[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\p{Noncharacter_Code_Point}\p{Cn}\p{Co}\p{Cs}\p{Zl}\p{Zp}\u1100-\u11ff\ua960-\ua97f\ud7b0-\ud7ff\u0640\u07fa\u3031-\u3035\u303b]|\u302e|\u302f/u;
// IdentifierClass (RFC 8264 §4.2): ASCII7, LetterDigits, the PVALID and CONTEXTO
// exceptions (RFC 5892 §2.6); spaces are judged separately (userparts).
const NOT_IDENTIFIER = /[^\x21-\x7e\p{Ll}\p{Lu}\p{Lo}\p{Lm}\p{Nd}\p{Mn}\p{Mc}\p{Zs}\u00df\u03c2\u06fd\u06fe\u0f0b\u3007\u00b7\u0375\u05f3\u05f4\u30fb\u0660-\u0669\u06f0-\u06f9]/u;
const CONTEXTO = /[\u00b7\u0375\u05f3\u05f4\u30fb\u0660-\u0669\u06f0-\u06f9]/gu;
// Candidates for HasCompat (RFC 8264 §9.14), checked one by one with NFKC.
const MAY_HAVE_COMPAT = /\p{Changes_When_NFKC_Casefolded}/gu;
// RFC 8265 §3.3.1 width mapping: code points with a <wide> or <narrow> decomposition.
const WIDTH_FORMS = /[\u3000\uff01-\uffee]/gu;

/** The code point before / after UTF-16 index `i` of `v` ('' at the ends). */
function before(v: string, i: number): string {
  if (i === 0) return '';
  const lo = v.charCodeAt(i - 1);
  return lo >= 0xdc00 && lo <= 0xdfff && i >= 2 ? v.slice(i - 2, i) : (v[i - 1] as string);
}
function after(v: string, i: number): string {
  const cp = v.codePointAt(i + 1);
  return cp === undefined ? '' : String.fromCodePoint(cp);
}

/** RFC 5892 Appendix A.3–A.9 contextual rules for the (BMP) code point at index `i`. */
function contextOk(v: string, i: number): boolean {
  const cp = v.charCodeAt(i);
  if (cp === 0x00b7) return /^[lL]$/.test(before(v, i)) && /^[lL]$/.test(after(v, i)); // A.3 MIDDLE DOT
  if (cp === 0x0375) return /^\p{Script=Greek}$/u.test(after(v, i)); // A.4 KERAIA
  if (cp === 0x05f3 || cp === 0x05f4) return /^\p{Script=Hebrew}$/u.test(before(v, i)); // A.5, A.6
  if (cp === 0x30fb) return /[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/u.test(v); // A.7
  if (cp >= 0x0660 && cp <= 0x0669) return !/[\u06f0-\u06f9]/.test(v); // A.8
  return !/[\u0660-\u0669]/.test(v); // A.9
}

/** Why one code point that a scan above found is refused (for the error detail). */
function describe(ch: string, identifier: boolean): string {
  const cp = ch.codePointAt(0) as number;
  if (CONTROL.test(ch)) return `${hex(cp)}, a control character`;
  if (BIDI_CONTROL.test(ch)) return `${hex(cp)}, a bidirectional control`;
  if (IGNORABLE.test(ch)) return `${hex(cp)}, a format, default-ignorable or noncharacter code point`;
  if (UNUSABLE.test(ch)) return `${hex(cp)}, unassigned, private-use or a line/paragraph separator`;
  if (isOldHangulJamo(cp)) return `${hex(cp)}, an old Hangul jamo`;
  if (identifier && ch.normalize('NFKC') !== ch) return `${hex(cp)}, a compatibility form`;
  if (identifier && !LETTER_DIGIT.test(ch)) return `${hex(cp)}, neither a letter, a digit nor ASCII`;
  return `${hex(cp)}, disallowed (RFC 5892 §2.6)`;
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
const scx = (...names: string[]): string => names.map((n) => `\\p{Script_Extensions=${n}}`).join('');
const NEUTRAL = scx('Common', 'Inherited');
const WRITING_SYSTEMS: readonly string[] = [...SCRIPTS.map((s) => scx(s)), scx('Han', 'Hiragana', 'Katakana'), scx('Han', 'Bopomofo'), scx('Han', 'Hangul')];
// "Single script": every character is neutral or shares one (augmented) script.
const SINGLE_SCRIPT = WRITING_SYSTEMS.map((w) => new RegExp(`^[${NEUTRAL}${w}]*$`, 'u'));
// Highly Restrictive adds Latin + Jpan, Latin + Hanb, Latin + Kore (UTS #39 §5.2).
const LATIN_WITH_CJK = WRITING_SYSTEMS.slice(-3).map((w) => new RegExp(`^[${NEUTRAL}${scx('Latin')}${w}]*$`, 'u'));
const LISTED = new RegExp(`[${SCRIPTS.map((s) => scx(s)).join('')}]`, 'u');

/**
 * UTS #39 §5.2 "Highly Restrictive" for one word. A word whose letters all belong to
 * scripts outside the list above is not judged (docs/schema.md "Lookalikes").
 */
function highlyRestrictive(word: string): boolean {
  if (SINGLE_SCRIPT.some((re) => re.test(word)) || LATIN_WITH_CJK.some((re) => re.test(word))) return true;
  return !LISTED.test(word);
}

const MARK_FIRST = /^\p{M}/u;
// After NFC, a mark right after a Latin, Greek or Cyrillic character, or after a
// character that is not a letter, did not compose: a lookalike, not an accented letter.
const UNCOMPOSED_MARK = new RegExp(`(?:[^\\p{L}\\p{M}]|[${scx('Latin', 'Greek', 'Cyrillic')}])(\\p{M})`, 'u');

/** The lookalike rules of one NFC word (docs/schema.md "Lookalikes"). */
function wordRefusal(word: string): string | undefined {
  if (MARK_FIRST.test(word)) return `a word starts with the combining mark ${hex(word.codePointAt(0) as number)}`;
  const m = UNCOMPOSED_MARK.exec(word);
  if (m !== null) return `the combining mark ${hex((m[1] as string).codePointAt(0) as number)} does not compose with the character before it (NFC)`;
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
  // A bound on the work below (a 1 MiB body could hold one huge name).
  if (value.length > MAX_CODE_POINTS && (value.length > 2 * MAX_CODE_POINTS || [...value].length > MAX_CODE_POINTS)) {
    return `it is longer than ${MAX_CODE_POINTS} characters`;
  }
  // Printable ASCII words separated by single spaces pass every rule below (fast path).
  if (ASCII_WORDS.test(value)) return undefined;
  const identifier = profile === 'UsernameCaseMapped';
  // RFC 8265 §3.3.1: the width mapping comes first; the class is checked on its result.
  const v = identifier ? value.replace(WIDTH_FORMS, (c) => c.normalize('NFKC')) : value;
  const bad = DISALLOWED.exec(v) ?? (identifier ? NOT_IDENTIFIER.exec(v) : null);
  if (bad !== null) return `it contains ${describe(bad[0], identifier)}`;
  for (const m of v.matchAll(CONTEXTO)) {
    if (!contextOk(v, m.index)) return `it contains ${hex(m[0].codePointAt(0) as number)} out of its context (RFC 5892 Appendix A)`;
  }
  if (identifier) {
    for (const [ch] of v.toLowerCase().matchAll(MAY_HAVE_COMPAT)) {
      if (ch.normalize('NFKC') !== ch) return `it contains ${describe(ch, true)}`;
    }
  }
  if (/^\p{Zs}|\p{Zs}$/u.test(v)) return 'it begins or ends with white space';
  if (/\p{Zs}{2}/u.test(v)) return 'it contains repeated white space';
  const other = identifier ? /(?! )\p{Zs}/u.exec(v) : null;
  if (other !== null) return `it contains the space ${hex(other[0].codePointAt(0) as number)} (userparts are separated by U+0020 only)`;
  for (const word of v.normalize('NFC').split(/\p{Zs}/u)) {
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
