/**
 * String preparation for case-insensitive comparison (RFC 7644 §7.8 and §5 point to
 * PRECIS, RFC 7613 §3.2 UsernameCaseMapped: width mapping, case mapping, NFC).
 * One function, used by uniqueness checks, the reference evaluator and the SQL
 * stores' search columns, so every comparison agrees.
 */
export function foldCase(value: string): string {
  return value.normalize('NFKC').toLowerCase().normalize('NFC');
}
