/**
 * Chooses how DynamoDB answers a search: the one clause the index can answer most
 * selectively drives it (its lookups are read in sort-key order), and every other
 * clause is checked on the candidates. No plan ever scans the table. See docs/search.md.
 */
import {
  INDEX_SHARDS,
  isIndexed,
  isSharded,
  referencePk,
  stringPk,
  tokenPk,
  typeListingPk,
} from '../../store/search-index.ts';
import type { SearchClause, SearchQuery, SearchValue } from './types.ts';
import { normalizeString } from './values.ts';

/** One index partition to read; `prefix` narrows its sort keys (string parameters). */
export interface IndexLookup {
  pk: string;
  prefix?: string;
}

export type SearchPlan =
  | { kind: 'ids'; ids: string[] }
  | { kind: 'index'; lookups: IndexLookup[]; driver?: SearchClause; sortKeyHasValue: boolean };

/** Lower is more selective. */
const RANK = { id: 0, reference: 1, identifier: 2, string: 3, token: 4, shardedToken: 5 } as const;

export function planSearch(query: SearchQuery): SearchPlan {
  let best: { rank: number; plan: SearchPlan } | undefined;
  for (const clause of query.clauses) {
    const candidate = planClause(query.resourceType, clause);
    if (candidate && (!best || candidate.rank < best.rank)) best = candidate;
  }
  if (best) return best.plan;
  return {
    kind: 'index',
    lookups: Array.from({ length: INDEX_SHARDS }, (_, shard) => ({ pk: typeListingPk(query.resourceType, shard) })),
    sortKeyHasValue: false,
  };
}

function planClause(type: string, clause: SearchClause): { rank: number; plan: SearchPlan } | undefined {
  if (clause.chain) return undefined;
  const { code, param, modifier } = clause;
  if (code === '_id' && !modifier) {
    return { rank: RANK.id, plan: { kind: 'ids', ids: [...new Set(clause.values.map((v) => v.raw))].sort() } };
  }
  if (!isIndexed(type, code)) return undefined;
  const index = (rank: number, lookups: IndexLookup[], sortKeyHasValue = false) =>
    lookups.length === 0
      ? undefined
      : { rank, plan: { kind: 'index' as const, lookups, driver: clause, sortKeyHasValue } };

  if (param.type === 'reference') {
    if (modifier && !/^[A-Z][A-Za-z]+$/.test(modifier)) return undefined;
    const keys = clause.values.flatMap((v) => referenceKeys(v, modifier, param.target));
    if (keys.some((k) => k === undefined)) return undefined;
    return index(
      RANK.reference,
      (keys as string[]).map((k) => ({ pk: referencePk(type, code, k) })),
    );
  }
  if (param.type === 'token') {
    if (modifier) return undefined;
    const codes = clause.values.map((v) => (v.code === '' ? undefined : v.code));
    if (codes.some((c) => c === undefined)) return undefined;
    const sharded = isSharded(code);
    const lookups = (codes as string[]).flatMap((c) =>
      sharded
        ? Array.from({ length: INDEX_SHARDS }, (_, shard) => ({ pk: tokenPk(type, code, c, shard) }))
        : [{ pk: tokenPk(type, code, c) }],
    );
    return index(code === 'identifier' ? RANK.identifier : sharded ? RANK.shardedToken : RANK.token, lookups);
  }
  if (param.type === 'string') {
    if (modifier && modifier !== 'exact') return undefined;
    const prefixes = clause.values.map((v) => normalizeString(v.raw));
    if (prefixes.some((p) => p === '')) return undefined;
    return index(
      RANK.string,
      prefixes.map((p) => ({ pk: stringPk(type, code, p), prefix: p })),
      true,
    );
  }
  return undefined;
}

/** `Type/id` keys for a reference search value: a bare id stands for each possible target type. */
function referenceKeys(value: SearchValue, typeModifier: string | undefined, targets: string[] | undefined): (string | undefined)[] {
  const ref = value.reference ?? parseRawReference(value.raw);
  if (!ref?.id || ref.version) return [undefined];
  if (ref.type) return [`${ref.type}/${ref.id}`];
  const types = typeModifier ? [typeModifier] : (targets ?? []);
  return types.length > 0 ? types.map((t) => `${t}/${ref.id}`) : [undefined];
}

/** References the executor builds itself (`Type/id`) carry only `raw`. */
function parseRawReference(raw: string): { type?: string; id?: string; version?: string } | undefined {
  const typed = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(raw);
  return typed ? { type: typed[1], id: typed[2] } : undefined;
}
