import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isScimError } from '../errors.ts';
import { foldCase } from './fold.ts';
import { groupSchema } from './group.ts';
import { enforcePrecis, literalCanMatch, MAX_CODE_POINTS, precisProfileOf, precisRefusal } from './precis.ts';
import type { PrecisProfile } from './precis.ts';
import { defaultRegistry } from './registry.ts';
import { GROUP_SCHEMA, USER_SCHEMA } from './types.ts';
import { userSchema } from './user.ts';
import { validateResource } from './validate.ts';

const U: PrecisProfile = 'UsernameCaseMapped';
const D: PrecisProfile = 'DisplayName';

/** The lookalikes of `alice` an outside review got accepted, plus a few more. */
const REFUSED_USERNAMES: readonly [string, string][] = [
  ['alice ', 'trailing space'],
  [' alice', 'leading space'],
  ['alice\t', 'trailing tab'],
  ['\talice', 'leading tab'],
  ['alice\u200b', 'zero width space'],
  ['al\u200dice', 'ZWJ'],
  ['al\u200cice', 'ZWNJ'],
  ['al\u00adice', 'soft hyphen'],
  ['al\u2060ice', 'word joiner'],
  ['\ufeffalice', 'BOM'],
  ['\u202ealice', 'right-to-left override'],
  ['alice\u200f', 'right-to-left mark'],
  ['alice\u0000', 'NUL'],
  ['alice\u007f', 'DEL'],
  ['\u0430lice', 'Cyrillic a'],
  ['alic\u0435', 'Cyrillic e'],
  ['ali\u0307ce', 'combining dot above left uncomposed on i'],
  ['\u0301alice', 'combining mark starting the word'],
  ['alice\ufe0f', 'variation selector'],
  ['alice\u180e', 'Mongolian vowel separator'],
  ['alice\u00a0', 'trailing no-break space'],
  ['al\u00a0ice', 'no-break space between userparts'],
  ['alice\u3000', 'trailing ideographic space'],
  ['al  ice', 'repeated space'],
  ['alice\u2028', 'line separator'],
  ['alice\ue000', 'private use'],
  ['alice\uffff', 'noncharacter'],
  ['alice\u{e0001}', 'language tag'],
  ['alice\u2122', 'symbol outside ASCII (IdentifierClass)'],
  ['\ufb01ona', 'ligature (compatibility form)'],
  ['alice\u00b2', 'superscript (compatibility form)'],
  ['al\u0640ice', 'Arabic tatweel (RFC 5892 exception)'],
  ['a\u00b7b', 'middle dot outside l·l'],
  ['\u1100', 'old Hangul jamo'],
  ['\u0661\u06f1', 'mixed Arabic-Indic digit sets'],
  ['', 'empty'],
];

const ACCEPTED_USERNAMES: readonly string[] = [
  'alice', 'ALICE', 'first.last+tag@example.com', "o'brien", 'DOMAIN\\alice', 'jos\u00e9', 'jose\u0301', 'Zo\u00eb',
  '\u5c71\u7530', '\u0395\u03bb\u03ad\u03bd\u03b7', '\u0905\u0928\u093f\u0932', '\u0915\u094d\u0937\u0924\u094d\u0930\u093f\u092f',
  '\u0645\u062d\u0645\u062f', '\u0645\u064f\u062d\u064e\u0645\u064e\u0651\u062f', '\u05d9\u05e2\u05dc', '\uae40\ubbfc\uc900',
  '\u0418\u0432\u0430\u043d', 'Nguy\u1ec5n', 'Mary Ann', 'yamada\u5c71\u7530', 'tanaka\u3072\u3089\u304c\u306a',
  '\uff41\uff4c\uff49\uff43\uff45', 'paral\u00b7lel', 'stra\u00dfe', '\u0e2a\u0e21\u0e0a\u0e32\u0e22',
];

const scimTypeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    assert.ok(isScimError(e));
    return e.scimType;
  }
};

describe('PRECIS preparation of userName (RFC 8265 UsernameCaseMapped)', () => {
  for (const [value, what] of REFUSED_USERNAMES) {
    it(`refuses ${what} with invalidValue`, () => {
      assert.notEqual(precisRefusal(U, value), undefined, JSON.stringify(value));
      assert.equal(scimTypeOf(() => enforcePrecis(U, value, 'userName')), 'invalidValue');
    });
  }
  for (const value of ACCEPTED_USERNAMES) {
    it(`accepts ${JSON.stringify(value)}, stored as sent`, () => {
      assert.equal(precisRefusal(U, value), undefined);
      assert.equal(enforcePrecis(U, value, 'userName'), value);
    });
  }
  it('maps case, width and normalisation to one key (the uniqueness key)', () => {
    for (const v of ['ALICE', 'Alice', '\uff41\uff4c\uff49\uff43\uff45', '\uff21\uff2c\uff29\uff23\uff25']) assert.equal(foldCase(v), 'alice');
    assert.equal(foldCase('jose\u0301'), foldCase('JOS\u00c9'));
  });
  it('caps the length at MAX_CODE_POINTS code points (not UTF-16 units)', () => {
    assert.equal(precisRefusal(U, 'x'.repeat(MAX_CODE_POINTS)), undefined);
    assert.equal(precisRefusal(U, '\u{20000}'.repeat(MAX_CODE_POINTS)), undefined);
    assert.match(precisRefusal(U, 'x'.repeat(MAX_CODE_POINTS + 1)) ?? '', /longer than/);
    assert.match(precisRefusal(D, '\u{20000}'.repeat(MAX_CODE_POINTS + 1)) ?? '', /longer than/);
    assert.match(precisRefusal(D, '\u5c71'.repeat(400_000)) ?? '', /longer than/);
  });
  it('maps the ideographic space (a width form) to U+0020 before judging spaces', () => {
    assert.equal(precisRefusal(U, 'alice\u3000smith'), undefined);
    assert.equal(foldCase('alice\u3000smith'), foldCase('alice smith'));
  });
  it('names the offending code point', () => {
    assert.match(precisRefusal(U, 'al\u200dice') ?? '', /U\+200D/);
    assert.match(precisRefusal(U, '\u202ealice') ?? '', /bidirectional/);
    assert.match(precisRefusal(U, 'alice\u0000') ?? '', /control/);
  });
});

describe('PRECIS preparation of Group displayName (FreeformClass, Nickname-style)', () => {
  const refused = ['Sales ', ' Sales', 'Sa\u200bles', 'Sa\u00adles', '\u202eSales', 'Sales\u0000', 'S\u0430les', 'Sales  Team', 'Sales\t', '\u0301Sales', 'Sal\u0307es', 'Sales\u2060', 'Sales-\u041f\u0440\u043e\u0434\u0430\u0436\u0438', '\ud83d\udc68\u200d\ud83d\udc69'];
  for (const value of refused) {
    it(`refuses ${JSON.stringify(value)}`, () => assert.equal(scimTypeOf(() => enforcePrecis(D, value, 'displayName')), 'invalidValue'));
  }
  const accepted = ['Sales', 'Sales & Marketing', 'Team (EU) \u2014 Night', '\u55b6\u696d\u90e8', 'Sales \u041f\u0440\u043e\u0434\u0430\u0436\u0438', '\u2163 Legion', 'Launch \ud83d\ude80', '\uff33\uff41\uff4c\uff45\uff53', 'Sales\u00a0Team', 'Caf\u00e9 \u2122'];
  for (const value of accepted) {
    it(`accepts ${JSON.stringify(value)}`, () => assert.equal(precisRefusal(D, value), undefined));
  }
});

describe('precisProfileOf and literalCanMatch', () => {
  const attr = (schema: typeof userSchema, name: string) => schema.attributes.find((a) => a.name === name)!;
  it('prepares User userName and Group displayName only', () => {
    assert.equal(precisProfileOf(attr(userSchema, 'userName')), 'UsernameCaseMapped');
    assert.equal(precisProfileOf(attr(groupSchema, 'displayName')), 'DisplayName');
    assert.equal(precisProfileOf(attr(userSchema, 'displayName')), undefined);
    assert.equal(precisProfileOf(attr(userSchema, 'title')), undefined);
  });
  it('a refused literal can match nothing; others can', () => {
    assert.equal(literalCanMatch(attr(userSchema, 'userName'), 'ALICE'), true);
    assert.equal(literalCanMatch(attr(userSchema, 'userName'), 'alice\u0000'), false);
    assert.equal(literalCanMatch(attr(userSchema, 'displayName'), 'alice\u0000'), true);
  });
});

describe('validateResource applies the preparation (docs/schema.md "Identifiers")', () => {
  const users = defaultRegistry.resourceSchema('User');
  const groups = defaultRegistry.resourceSchema('Group');
  const user = (userName: string, extra: Record<string, unknown> = {}) => ({ schemas: [USER_SCHEMA], userName, ...extra });
  it('refuses a lookalike userName and Group displayName on create and replace', () => {
    assert.equal(scimTypeOf(() => validateResource(users, user('alice\u200b'), 'create')), 'invalidValue');
    assert.equal(scimTypeOf(() => validateResource(users, user('alice '), 'replace', user('alice'))), 'invalidValue');
    assert.equal(scimTypeOf(() => validateResource(groups, { schemas: [GROUP_SCHEMA], displayName: ' Sales' }, 'create')), 'invalidValue');
    assert.equal(scimTypeOf(() => validateResource(users, { schemas: [USER_SCHEMA], 'urn:ietf:params:scim:schemas:core:2.0:User:userName': '\u0430lice' }, 'create')), 'invalidValue');
  });
  it('does not prepare User displayName or other strings', () => {
    assert.equal(validateResource(users, user('alice', { displayName: ' Alice\u200b ', title: '\t' }), 'create')['displayName'], ' Alice\u200b ');
  });
  it('keeps a stored value sent back unchanged (rows written before the rule)', () => {
    const old = user('old\u200bname');
    assert.equal(validateResource(users, user('old\u200bname', { active: false }), 'replace', old)['userName'], 'old\u200bname');
    assert.equal(scimTypeOf(() => validateResource(users, user('old\u200cname'), 'replace', old)), 'invalidValue');
    assert.equal(validateResource(users, user('oldname'), 'replace', old)['userName'], 'oldname');
  });
});
