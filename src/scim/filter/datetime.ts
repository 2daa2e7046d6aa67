/**
 * dateTime values as comparable keys (RFC 7643 §2.3.5: xsd:dateTime, e.g.
 * `2008-01-23T04:56:22Z`). The key is the instant in UTC with nanosecond digits,
 * `YYYY-MM-DDTHH:MM:SS.fffffffffZ`: fixed width, so plain string order is time
 * order and a SQL store can keep the same key in an indexed column.
 */

function digits(s: string, from: number, count: number): number {
  let v = 0;
  for (let i = from; i < from + count; i++) {
    const c = s.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Parses `YYYY-MM-DDThh:mm:ss[.f{1,9}][Z|±hh:mm]` (a missing zone is read as UTC)
 * and returns its UTC key, or undefined when the text is not such a dateTime or
 * the instant falls outside years 0001–9999.
 */
export function dateTimeKey(text: string): string | undefined {
  if (typeof text !== 'string' || text.length < 19 || text.length > 35) return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (text[4] !== '-' || text[7] !== '-' || text[13] !== ':' || text[16] !== ':') return undefined;
  if (text[10] !== 'T' && text[10] !== 't') return undefined;
  if (year < 1 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) return undefined;
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  let i = 19;
  let frac = '';
  if (text[i] === '.') {
    const start = ++i;
    while (i < text.length && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
    if (i === start || i - start > 9) return undefined;
    frac = text.slice(start, i);
  }
  let offsetMinutes = 0;
  const zone = text[i];
  if (zone === 'Z' || zone === 'z') i++;
  else if (zone === '+' || zone === '-') {
    const oh = digits(text, i + 1, 2);
    const om = digits(text, i + 4, 2);
    if (text[i + 3] !== ':' || oh < 0 || oh > 14 || om < 0 || om > 59) return undefined;
    offsetMinutes = (zone === '+' ? 1 : -1) * (oh * 60 + om);
    i += 6;
  }
  if (i !== text.length) return undefined;
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  if (d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return undefined;
  d.setUTCHours(hour, minute - offsetMinutes, second, 0);
  const y = d.getUTCFullYear();
  if (y < 1 || y > 9999) return undefined;
  return `${d.toISOString().slice(0, 19)}.${frac.padEnd(9, '0')}Z`;
}
