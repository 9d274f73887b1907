/**
 * The typed form of a FHIR search, parsed once from the query string and then planned
 * against DynamoDB (functions/store/search-index.ts) and checked per resource (match.ts).
 *
 * @see https://hl7.org/fhir/R4/search.html
 */

export type SearchParamType = 'number' | 'date' | 'string' | 'token' | 'reference' | 'composite' | 'quantity' | 'uri' | 'special';

/** A search parameter as samvard knows it (from the R4 SearchParameter resources). */
export interface SearchParamDef {
  code: string;
  type: SearchParamType;
  /** FHIRPath expression restricted to the resource type being searched. */
  expression: string;
  /** Resource types a reference parameter may point at. */
  target?: string[];
}

export type Prefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';

/** One value of a clause; a clause's values are ORed (comma-separated). */
export interface SearchValue {
  /**
   * The raw text after modifier handling, e.g. `http://loinc.org|8867-4`, `Patient/1`: the
   * prefix is removed and `\,` is unescaped; the other escapes (`\|`, `\$`, `\\`) stay.
   */
  raw: string;
  /** For date, number, quantity: the comparison prefix (default `eq`). */
  prefix?: Prefix;
  /**
   * Token, quantity, reference `:identifier`: the parts of `[system|]code`, unescaped.
   * `system` undefined = any system; `''` = no system (`|code`); `code` undefined = any code (`system|`).
   */
  system?: string;
  code?: string;
  /** Number, quantity: the decimal given. */
  number?: number;
  /**
   * Date, number, quantity: the range the value's precision implies, `low` inclusive and
   * `high` exclusive; dates in epoch milliseconds (UTC), numbers in their own unit.
   */
  range?: { low: number; high: number };
  /**
   * Reference (not `:identifier`): the target. `id` (with `type` when known, `version` when
   * `_history` was given) for `Type/id`, a bare id or an absolute URL ending in `Type/id`;
   * otherwise `url` (a canonical, `urn:uuid:…`).
   */
  reference?: { type?: string; id?: string; version?: string; url?: string };
}

/** One parameter of the query (`code[:modifier]=v1,v2`); clauses are ANDed. */
export interface SearchClause {
  code: string;
  param: SearchParamDef;
  /** `exact`, `contains`, `not`, `missing`, `identifier`, `text`, `above`, `below`, `in`, `not-in`, a type for references … */
  modifier?: string;
  values: SearchValue[];
  /**
   * One level of chaining: `patient.identifier=…` → chain holds the clause on the target type.
   * When the client did not name the type (`owner.name=…`, not `owner:Organization.name=…`)
   * and several served target types have the chained parameter, `targetType` is the first
   * of them and `alternatives` holds the same clause on each of the others: the reference
   * may point at a match of any of them.
   */
  chain?: { targetType: string; clause: SearchClause; alternatives?: { targetType: string; clause: SearchClause }[] };
}

/** `_has:Observation:patient:code=1234` (one level). */
export interface ReverseChain {
  sourceType: string;
  referenceParam: string;
  clause: SearchClause;
}

export interface SortRule {
  code: string;
  descending: boolean;
}

export interface IncludeTarget {
  sourceType: string;
  param: string;
  targetType?: string;
  iterate: boolean;
}

export interface SearchQuery {
  resourceType: string;
  clauses: SearchClause[];
  has: ReverseChain[];
  sort: SortRule[];
  count: number;
  include: IncludeTarget[];
  revinclude: IncludeTarget[];
  summary?: 'count' | 'true' | 'text' | 'data' | 'false';
  total?: 'none' | 'estimate' | 'accurate';
  elements?: string[];
  cursor?: string;
  /** Parameters that were not understood (ignored unless handling=strict). */
  ignored: string[];
}
