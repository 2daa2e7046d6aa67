import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flattenValuePathCompare, quoteBareValues } from './filter-quote.ts';

describe('quoteBareValues (entra.unquoted-filter)', () => {
  const cases: [string, string | undefined][] = [
    ['externalId eq jyoung', 'externalId eq "jyoung"'],
    ['id eq 0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef and manager eq 00aa00aa-bb11', 'id eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef" and manager eq "00aa00aa-bb11"'],
    ['userName EQ a@b.c', 'userName EQ "a@b.c"'],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq E1', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "E1"'],
    ['externalId eq back\\slash', 'externalId eq "back\\\\slash"'],
    ['active eq True and userName eq x', 'active eq true and userName eq "x"'],
    // Valid RFC filters are never touched.
    ['userName eq "a"', undefined],
    ['active eq true', undefined],
    ['meta.version eq 3', undefined],
    // Anything but the narrow `attr op bareword [and …]` form is left for the core.
    ['userName eq "a" and externalId eq b', undefined],
    ['externalId eq jyoung or userName eq x', undefined],
    ['emails[type eq work].value eq x', undefined],
    ['(externalId eq jyoung)', undefined],
    ['title pr', undefined],
    ['externalId eq', undefined],
    ['not externalId eq x', undefined],
    ['externalId xx jyoung', undefined],
    ['', undefined],
    ['externalId eq two words', undefined],
  ];
  for (const [input, expected] of cases) {
    it(JSON.stringify(input), () => assert.equal(quoteBareValues(input), expected));
  }
});

describe('flattenValuePathCompare (entra.valuepath-subattr-filter)', () => {
  const cases: [string, string | undefined][] = [
    ['emails[type eq "work"].value eq "user@contoso.com"', 'emails[type eq "work" and value eq "user@contoso.com"]'],
    ['emails[type eq "work"].value pr', 'emails[type eq "work" and value pr]'],
    ['addresses[type eq "work" or type eq "home"].locality sw "Red"', 'addresses[(type eq "work" or type eq "home") and locality sw "Red"]'],
    ['emails[value eq "a]b"].type eq "work"', 'emails[value eq "a]b" and type eq "work"]'],
    ['emails[type eq "work"].value eq "x" and userName eq "y"', undefined],
    ['emails[type eq "work"]', undefined],
    ['emails[type eq "work"].value', undefined],
    ['emails[type eq "work"].value eq', undefined],
    ['name.givenName[x eq "y"].value eq "z"', undefined],
    ['userName eq "a"', undefined],
    ['emails[type eq "work"', undefined],
  ];
  for (const [input, expected] of cases) {
    it(JSON.stringify(input), () => assert.equal(flattenValuePathCompare(input), expected));
  }
});
