/**
 * `formatFilter`: AST → canonical filter text that `parseFilter` turns back into
 * the identical AST. Lower-case operators, single spaces, JSON literals, and only
 * the parentheses the precedence (`not` > `and` > `or`, left-associative) needs.
 */
import { invalidFilter } from '../errors.ts';
import type { AttrPath, CompValue, Filter } from './ast.ts';
import { chainOperands } from './chain.ts';

/** `[URI ":"] ATTRNAME ["." ATTRNAME]` */
export function formatAttrPath(p: AttrPath): string {
  const base = p.uri === undefined ? p.name : `${p.uri}:${p.name}`;
  return p.sub === undefined ? base : `${base}.${p.sub}`;
}

/** A comparison value as JSON (RFC 7644 §3.4.2.2 `compValue`). */
export function formatValue(v: CompValue): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw invalidFilter('a filter number must be finite');
    return JSON.stringify(v);
  }
  return JSON.stringify(v);
}

/** Formats a filter AST as canonical SCIM filter text. */
export function formatFilter(f: Filter): string {
  switch (f.kind) {
    case 'present':
      return `${formatAttrPath(f.path)} pr`;
    case 'compare':
      return `${formatAttrPath(f.path)} ${f.op} ${formatValue(f.value)}`;
    case 'not':
      return `not (${formatFilter(f.filter)})`;
    case 'valuePath':
      return `${formatAttrPath(f.path)}[${formatFilter(f.filter)}]`;
    case 'and':
    case 'or': {
      const parts = chainOperands(f).map((operand, i) => {
        const text = formatFilter(operand);
        // A right operand of the same kind was grouped explicitly; `or` inside `and` needs parentheses.
        const needsParens = (operand.kind === f.kind && i > 0) || (f.kind === 'and' && operand.kind === 'or');
        return needsParens ? `(${text})` : text;
      });
      return parts.join(` ${f.kind} `);
    }
  }
}
