/**
 * String preparation for case-insensitive comparison (RFC 7644 §7.8 and §5 point to
 * PRECIS: RFC 8265 §3.3 UsernameCaseMapped width mapping, case mapping, NFC; RFC 8266
 * §2.4 NFKC). One function, used by uniqueness checks, the reference evaluator and
 * the SQL stores' search columns, so every comparison agrees. Which userName /
 * Group displayName values are accepted at all is decided by `precis.ts`.
 */
export function foldCase(value: string): string {
  return value.normalize('NFKC').toLowerCase().normalize('NFC');
}
