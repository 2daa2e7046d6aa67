import type { Filter } from './ast.ts';

/**
 * Operands of a left-leaning `and`/`or` chain, leftmost first, collected without
 * recursion (the parser builds `a or b or c` as `((a or b) or c)`, and a long chain
 * must not cost a stack frame per term).
 */
export function chainOperands(f: Filter & { kind: 'and' | 'or' }): Filter[] {
  const out: Filter[] = [];
  let node: Filter = f;
  while (node.kind === f.kind) {
    const n = node as Filter & { kind: 'and' | 'or' };
    out.push(n.right);
    node = n.left;
  }
  out.push(node);
  return out.reverse();
}
