/**
 * Quotes bare filter values from Entra's old documentation:
 * `externalId eq jyoung` (MicrosoftDocs entra-docs use-scim-to-provision-users-and-groups.md,
 * "Example 1. Query the service for a matching user") and
 * `id eq <guid> and manager eq <guid>` (Example 4 in the older localized copies).
 * RFC 7644 §3.4.2.2 requires string values in double quotes, so a strict parser
 * rejects them (`invalidFilter`).
 *
 * Deliberately narrow: only a filter the strict parser rejects, with no `"`, `(`,
 * `)`, `[`, `]` at all, made of `attrPath op value` comparisons joined by `and`
 * (the only forms Entra emits: "Microsoft Entra-only uses the following operators:
 * eq, and"). `true`, `false`, `null` and JSON numbers stay as they are; the result
 * must parse, or the filter is left for the core to reject.
 */
import { parseFilter } from '../scim/filter/parser.ts';

const COMPARE = new Set(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);
const ATTR_PATH = /^(?:urn:[A-Za-z0-9.:_-]+:)?[A-Za-z][A-Za-z0-9_$-]*(?:\.[A-Za-z][A-Za-z0-9_$-]*)?$/;
const KEYWORD = /^(?:true|false|null)$/i;
const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

function parses(text: string): boolean {
  try {
    parseFilter(text);
    return true;
  } catch {
    return false;
  }
}

/** The filter with its bare values quoted, or undefined when it is not such a filter (or is fine as is). */
export function quoteBareValues(filter: string): string | undefined {
  if (/["()[\]]/.test(filter) || parses(filter)) return undefined;
  const tokens = filter.trim().split(/\s+/);
  if (tokens.length % 4 !== 3) return undefined;
  const out: string[] = [];
  let fixed = false;
  for (let i = 0; i < tokens.length; i += 4) {
    const [attr, op, value] = [tokens[i]!, tokens[i + 1]!, tokens[i + 2]!];
    if (i > 0 && tokens[i - 1]!.toLowerCase() !== 'and') return undefined;
    if (!ATTR_PATH.test(attr) || !COMPARE.has(op.toLowerCase())) return undefined;
    if (i > 0) out.push('and');
    if (KEYWORD.test(value)) {
      out.push(attr, op, value.toLowerCase());
      if (value !== value.toLowerCase()) fixed = true;
    } else if (NUMBER.test(value)) {
      out.push(attr, op, value);
    } else {
      out.push(attr, op, JSON.stringify(value));
      fixed = true;
    }
  }
  if (!fixed) return undefined;
  const text = out.join(' ');
  return parses(text) ? text : undefined;
}

// `.sub op value` where value is ONE comparison value: a JSON string, true/false/null or a number.
const SUB_COMPARE =
  /^\.([A-Za-z][A-Za-z0-9_$-]*)\s+(eq|ne|co|sw|ew|gt|ge|lt|le|pr)(?:\s+("(?:[^"\\]|\\.)*"|true|false|null|-?[0-9][0-9.eE+-]*))?\s*$/i;

/**
 * Rewrites Entra's matching query on a sub-attribute of a filtered multi-valued
 * attribute, `emails[type eq "work"].value eq "x"` ([tutorial] "/Users": "a GET to
 * /Users with a filter must allow for … emails[type eq "work"].value eq
 * "user@contoso.com"), into the RFC 7644 §3.4.2.2 form with the same meaning —
 * one element satisfying both: `emails[type eq "work" and value eq "x"]`. The ABNF
 * has no `valuePath "." subAttr compareOp` production, so the strict parser refuses
 * the original. Only a whole filter of exactly that shape that the parser rejects,
 * and only when the result parses; undefined otherwise.
 */
export function flattenValuePathCompare(filter: string): string | undefined {
  if (parses(filter)) return undefined;
  const open = filter.indexOf('[');
  const attr = filter.slice(0, open).trim();
  if (open < 0 || !ATTR_PATH.test(attr) || attr.includes('.') && !attr.toLowerCase().startsWith('urn:')) return undefined;
  let close = -1;
  let inString = false;
  for (let i = open + 1; i < filter.length; i++) {
    const c = filter[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[') return undefined;
    else if (c === ']') {
      close = i;
      break;
    }
  }
  if (close < 0) return undefined;
  const m = SUB_COMPARE.exec(filter.slice(close + 1));
  if (m === null) return undefined;
  const [, sub, op, value] = m;
  if ((op!.toLowerCase() === 'pr') !== (value === undefined)) return undefined;
  const inner = filter.slice(open + 1, close).trim();
  const left = /\bor\b/i.test(inner) ? `(${inner})` : inner;
  const text = `${attr}[${left} and ${sub} ${op}${value === undefined ? '' : ` ${value}`}]`;
  return parses(text) ? text : undefined;
}
