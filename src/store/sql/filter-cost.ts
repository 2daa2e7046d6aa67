/**
 * The cost model of a compiled filter (docs/filters.md "Caps"). The filter
 * compiler charges every term it emits; past the bound the filter is refused with
 * 400 `invalidFilter` (RFC 7644 §3.4.2.2, §3.12) before any SQL runs.
 *
 * The weights follow what a term costs per resource row of the tenant: a column
 * comparison is one indexed or in-row read; a value of the JSON search document is
 * one `json_extract`; a comparison on a multi-valued attribute outside the indexed
 * forms is a correlated subquery that walks the whole array (or the member rows) of
 * every row, which is what made long filters cost seconds.
 */
import { invalidFilter } from '../../scim/errors.ts';

/** A column comparison, or an indexed side-table lookup (`emails.value eq`, `members.value eq`). */
export const COST_COLUMN = 1;
/** A scalar read from the JSON search document. */
export const COST_JSON = 2;
/** A correlated subquery: EXISTS over a JSON array or the member rows of each resource. */
export const COST_SUBQUERY = 10;
/** A comparison on one element inside such a subquery (value paths, `emails.type eq`). */
export const COST_ELEMENT = 1;

/** Default bound (`--filter-max-cost`): ten correlated subqueries, or fifty JSON reads. */
export const DEFAULT_FILTER_MAX_COST = 100;

/** Adds up the cost of one compiled filter; throws once it passes `max`. */
export class CostMeter {
  readonly max: number;
  #spent = 0;

  constructor(max: number) {
    this.max = max;
  }

  /** The cost charged so far. */
  get spent(): number {
    return this.#spent;
  }

  /**
   * Charges `n`.
   * @throws ScimError 400 `invalidFilter` when the total passes the bound.
   */
  charge(n: number): void {
    this.#spent += n;
    if (this.#spent > this.max) {
      throw invalidFilter(
        `The filter is too complex: its cost passes the limit of ${this.max} ` +
          `(each comparison inside a multi-valued attribute such as emails or members counts ${COST_SUBQUERY}); use fewer terms`,
      );
    }
  }
}
