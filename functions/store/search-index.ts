/**
 * Index entries that let a search read only its candidates, never the table.
 *
 * Each current resource has, in the same table and written in the same transaction as
 * the resource (so a search reads its own writes with a consistent Query):
 * - one entry per value of each indexed token or reference parameter:
 *   `pk = "ix#<type>#<param>#<value>"` (+ `#<shard>` for low-cardinality parameters such
 *   as status, spread over {@link INDEX_SHARDS} partitions by a hash of the id),
 *   `sk = "<id>"`;
 * - one entry per value of each indexed string parameter:
 *   `pk = "ixs#<type>#<param>#<first character>"`, `sk = "<normalized value>#<id>"`, so a
 *   starts-with search is a `begins_with` on the sort key;
 * - one type-listing entry `pk = "ixt#<type>#<shard>"`, `sk = "<id>"`, for searches that
 *   name no indexed parameter.
 * Token values are indexed by code alone (`*|<code>`): a search with a system reads
 * that superset and the matcher checks the system. See docs/search.md.
 */
import type { TypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { searchParamFor } from '../core/search/parameters.ts';
import { normalizeString, paramValues } from '../core/search/values.ts';
import { shardOf } from './keys.ts';

/** The parameters worth driving a search from, per type; the rest are filtered. */
export const INDEXED_PARAMS: Record<string, readonly string[]> = {
  // The access log is read by patient (a patient reads the log of their own record).
  AuditEvent: ['patient'],
  CarePlan: ['patient', 'subject', 'status', 'category', 'intent', 'care-team', 'based-on', 'identifier'],
  CareTeam: ['patient', 'subject', 'participant', 'status'],
  // The access rules read a patient's consents and blocks by patient (functions/access/).
  Consent: ['patient', 'status'],
  Observation: ['patient', 'subject', 'code', 'category', 'status', 'performer', 'based-on', 'identifier'],
  Organization: ['identifier', 'name', 'partof'],
  Patient: ['identifier', 'name', 'family', 'given'],
  Practitioner: ['identifier', 'name'],
  PractitionerRole: ['identifier', 'practitioner', 'organization'],
  // The workflow broker's record of care team changes: by team (target) and by triggering Task (entity).
  Provenance: ['target', 'entity'],
  ServiceRequest: [
    'patient',
    'subject',
    'status',
    'intent',
    'code',
    'requester',
    'performer',
    'based-on',
    'identifier',
  ],
  Task: [
    'patient',
    'owner',
    'requester',
    'status',
    'business-status',
    'code',
    'based-on',
    'focus',
    'identifier',
  ],
};

/** Parameters with few distinct values: their entries are spread over shards. */
const LOW_CARDINALITY = new Set(['status', 'intent', 'category', 'business-status']);
export const INDEX_SHARDS = 8;
/** Longest normalized string kept in a sort key (DynamoDB allows 1 KB). */
const MAX_STRING_KEY = 200;

export interface IndexEntry {
  pk: string;
  sk: string;
}

export function isIndexed(type: string, param: string): boolean {
  return INDEXED_PARAMS[type]?.includes(param) ?? false;
}

export function isSharded(param: string): boolean {
  return LOW_CARDINALITY.has(param);
}

export const tokenPk = (type: string, param: string, code: string, shard?: number): string =>
  `ix#${type}#${param}#*|${code}${shard === undefined ? '' : `#${shard}`}`;
export const referencePk = (type: string, param: string, reference: string): string =>
  `ix#${type}#${param}#${reference}`;
export const stringPk = (type: string, param: string, normalized: string): string =>
  `ixs#${type}#${param}#${normalized.charAt(0)}`;
export const stringSk = (normalized: string, id: string): string =>
  `${normalized.slice(0, MAX_STRING_KEY)}#${id}`;
export const typeListingPk = (type: string, shard: number): string => `ixt#${type}#${shard}`;

/** All index entries of a resource (empty for a deleted one). */
export function indexEntries(resource: Resource | undefined): IndexEntry[] {
  if (!resource?.id) return [];
  const { resourceType: type, id } = resource;
  const entries = new Map<string, IndexEntry>();
  const add = (pk: string, sk: string): void => {
    entries.set(`${pk}\n${sk}`, { pk, sk });
  };
  add(typeListingPk(type, shardOf(id) % INDEX_SHARDS), id);
  for (const code of INDEXED_PARAMS[type] ?? []) {
    const param = searchParamFor(type, code);
    if (!param) continue;
    for (const value of paramValues(resource, param)) {
      if (param.type === 'token') {
        const shard = isSharded(code) ? shardOf(id) % INDEX_SHARDS : undefined;
        for (const token of tokenCodes(value)) add(tokenPk(type, code, token, shard), id);
      } else if (param.type === 'reference') {
        const reference = referenceKey(value);
        if (reference) add(referencePk(type, code, reference), id);
      } else if (param.type === 'string') {
        for (const text of stringParts(value)) {
          const normalized = normalizeString(text);
          if (normalized) add(stringPk(type, code, normalized), stringSk(normalized, id));
        }
      }
    }
  }
  return [...entries.values()];
}

/** The codes of a token value: Coding, CodeableConcept, Identifier, ContactPoint, code, boolean. */
export function tokenCodes(value: TypedValue): string[] {
  const v = value.value as Record<string, unknown> | string | boolean | number;
  if (typeof v !== 'object' || v === null) return [String(v)];
  if (Array.isArray((v as { coding?: unknown[] }).coding)) {
    return ((v as { coding: { code?: string }[] }).coding ?? []).flatMap((c) => (c.code ? [c.code] : []));
  }
  const code = (v as { code?: unknown; value?: unknown }).code ?? (v as { value?: unknown }).value;
  return typeof code === 'string' ? [code] : [];
}

/** `Type/id` of a reference value, also from an absolute URL; undefined for contained or logical ones. */
export function referenceKey(value: TypedValue): string | undefined {
  const reference =
    typeof value.value === 'string' ? value.value : (value.value as { reference?: string } | undefined)?.reference;
  const match = reference ? /(?:^|\/)([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(reference) : null;
  return match?.[1];
}

/** The strings a string parameter matches on: HumanName and Address parts, or the string. */
export function stringParts(value: TypedValue): string[] {
  const v = value.value as unknown;
  if (typeof v === 'string') return [v];
  if (typeof v !== 'object' || v === null) return [];
  const o = v as Record<string, unknown>;
  return ['text', 'family', 'given', 'prefix', 'suffix', 'line', 'city', 'district', 'state', 'postalCode', 'country']
    .flatMap((k) => (Array.isArray(o[k]) ? (o[k] as unknown[]) : [o[k]]))
    .filter((s): s is string => typeof s === 'string');
}
