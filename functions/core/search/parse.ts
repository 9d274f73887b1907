/**
 * The query string of a FHIR search, parsed once into a {@link SearchQuery}.
 *
 * Parameters samvard does not know or does not support (and unknown modifiers, or
 * modifiers that do not fit the parameter's type) are left out and listed in `ignored`,
 * or are a 400 when the client asked for strict handling (`Prefer: handling=strict`).
 * Values that are wrong for their parameter (a bad date, number or prefix, `_count=abc`)
 * are a 400 either way.
 *
 * @see https://hl7.org/fhir/R4/search.html
 * @see https://hl7.org/fhir/R4/search.html#errors
 */
import { OperationOutcomeError, badRequest } from '../outcomes.ts';
import { splitOnCommas } from './escape.ts';
import { searchParamFor, searchParamsFor } from './parameters.ts';
import { parseSearchValue } from './parse-value.ts';
import type { IncludeTarget, SearchClause, SearchParamDef, SearchParamType, SearchQuery, SortRule } from './types.ts';

export const DEFAULT_COUNT = 20;
export const MAX_COUNT = 1000;

export interface ParseOptions {
  /** `Prefer: handling=strict`: unknown or unsupported parameters are a 400 instead of ignored. */
  strict: boolean;
}

/**
 * The modifiers samvard implements per parameter type; a reference also takes a target
 * type (`subject:Patient`).
 * @see https://hl7.org/fhir/R4/search.html#modifiers
 */
const MODIFIERS: Partial<Record<SearchParamType, readonly string[]>> = {
  string: ['missing', 'exact', 'contains'],
  token: ['missing', 'not', 'text'],
  reference: ['missing', 'identifier'],
  date: ['missing'],
  number: ['missing'],
  quantity: ['missing'],
  uri: ['missing', 'above', 'below'],
};

const SUMMARY = ['count', 'true', 'text', 'data', 'false'] as const;
const TOTAL = ['none', 'estimate', 'accurate'] as const;
/** Parameters that shape the result rather than select resources; they take no modifier. */
const RESULT_PARAMS = new Set(['_count', '_sort', '_summary', '_total', '_elements', '_cursor']);
/** Handled by the transport, not a search: accepted and left out of the self link. */
const TRANSPORT_PARAMS = new Set(['_format', '_pretty']);

/** Something samvard does not support: ignored, or a 400 under strict handling. */
class Unsupported extends Error {}
/** A parameter without a value: ignored, strict or not. */
class NoValue extends Error {}

const isServedType = (type: string): boolean => searchParamsFor(type).length > 0;

function invalid(name: string, text: string): OperationOutcomeError {
  return new OperationOutcomeError(badRequest(`Invalid search parameter ${name}: ${text}`, [name]));
}

/**
 * Parses `params` (decoded name/value pairs, in order, as from URLSearchParams) of a
 * type-level search on `resourceType`.
 *
 * Repeating a parameter ANDs it; commas inside one value OR (`\,` is a literal comma).
 * Throws an OperationOutcomeError (400) for invalid values, and under `strict` for
 * anything it would otherwise ignore.
 */
export function parseSearchQuery(
  resourceType: string,
  params: [string, string][],
  options: ParseOptions,
): SearchQuery {
  const query: SearchQuery = {
    resourceType,
    clauses: [],
    has: [],
    sort: [],
    count: DEFAULT_COUNT,
    include: [],
    revinclude: [],
    ignored: [],
  };
  for (const [name, value] of params) {
    try {
      parseParameter(query, name, value, options.strict);
    } catch (err) {
      if (!(err instanceof Unsupported || err instanceof NoValue)) throw err;
      if (options.strict && err instanceof Unsupported) {
        throw new OperationOutcomeError(badRequest(err.message, [name]));
      }
      if (!query.ignored.includes(name)) query.ignored.push(name);
    }
  }
  return query;
}

function parseParameter(query: SearchQuery, name: string, value: string, strict: boolean): void {
  if (TRANSPORT_PARAMS.has(name)) return;
  const [base = '', ...modifiers] = name.split(':');
  if (RESULT_PARAMS.has(base) && modifiers.length > 0) throw new Unsupported(`${base} takes no modifier: ${name}`);
  switch (base) {
    case '_count':
      query.count = parseCount(value);
      return;
    case '_sort': {
      const { rules, unsupported } = parseSort(query.resourceType, value);
      query.sort = rules;
      // The supported rules apply; the others are ignored like an unknown parameter.
      if (unsupported.length > 0 && (strict || query.sort.length === 0)) {
        throw new Unsupported(`Cannot sort ${query.resourceType} by ${unsupported.join(', ')}`);
      }
      if (unsupported.length > 0 && !query.ignored.includes(name)) query.ignored.push(name);
      return;
    }
    case '_summary':
      query.summary = oneOf(name, value, SUMMARY);
      return;
    case '_total':
      query.total = oneOf(name, value, TOTAL);
      return;
    case '_elements':
      query.elements = parseElements(name, value);
      return;
    case '_cursor':
      query.cursor = value;
      return;
    case '_include':
    case '_revinclude': {
      const target = parseInclude(query.resourceType, base, modifiers, value);
      (base === '_include' ? query.include : query.revinclude).push(target);
      return;
    }
    case '_has': {
      const [sourceType = '', referenceParam = '', ...rest] = modifiers;
      query.has.push(parseHas(query.resourceType, sourceType, referenceParam, rest.join(':'), value, name));
      return;
    }
  }
  query.clauses.push(parseClause(query.resourceType, name, value, true));
}

function parseCount(value: string): number {
  if (!/^\d+$/.test(value)) throw invalid('_count', `${JSON.stringify(value)} is not a whole number`);
  return Math.min(Number(value), MAX_COUNT);
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw invalid(name, `${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function parseElements(name: string, value: string): string[] {
  const elements = value.split(',').map((e) => e.trim()).filter(Boolean);
  const bad = elements.find((e) => !/^([A-Z][A-Za-z]+\.)?[a-z][A-Za-z0-9]*$/.test(e));
  if (bad !== undefined) throw invalid(name, `${JSON.stringify(bad)} is not an element name`);
  return elements;
}

/**
 * `_sort=-date,status`: `_lastUpdated`, `_id`, date parameters and `status`.
 * @see https://hl7.org/fhir/R4/search.html#sort
 */
function parseSort(resourceType: string, value: string): { rules: SortRule[]; unsupported: string[] } {
  const rules: SortRule[] = [];
  const unsupported: string[] = [];
  for (const item of value.split(',').filter(Boolean)) {
    const descending = item.startsWith('-');
    const code = descending ? item.slice(1) : item;
    const param = searchParamFor(resourceType, code);
    const sortable =
      code === '_lastUpdated' || code === '_id' || param?.type === 'date' || (code === 'status' && param?.type === 'token');
    if (param?.expression && sortable) rules.push({ code, descending });
    else unsupported.push(code);
  }
  return { rules, unsupported };
}

/**
 * `_include=Source:param[:Target]`, `_include:iterate=…` (also the R3 name `:recurse`);
 * `_revinclude` likewise, naming a parameter of another type that refers to this one.
 * @see https://hl7.org/fhir/R4/search.html#include
 */
function parseInclude(resourceType: string, base: string, modifiers: string[], value: string): IncludeTarget {
  const name = [base, ...modifiers].join(':');
  const iterate = modifiers.length === 1 && (modifiers[0] === 'iterate' || modifiers[0] === 'recurse');
  if (modifiers.length > 0 && !iterate) throw new Unsupported(`Unsupported modifier on ${name}`);
  const parts = value.split(':');
  const [sourceType = '', paramCode = '', targetType] = parts;
  if (parts.length < 2 || parts.length > 3 || !sourceType || !paramCode || targetType === '') {
    if (value === '*') throw new Unsupported(`${name}=* is not supported`);
    throw invalid(name, `${JSON.stringify(value)} is not Source:parameter[:Target]`);
  }
  const param = searchParamFor(sourceType, paramCode);
  if (!isServedType(sourceType) || param?.type !== 'reference') {
    throw new Unsupported(`${sourceType}:${paramCode} is not a reference parameter samvard knows`);
  }
  if (targetType !== undefined && param.target && !param.target.includes(targetType)) {
    throw new Unsupported(`${sourceType}:${paramCode} does not refer to ${targetType}`);
  }
  if (!iterate) {
    const fits =
      base === '_include'
        ? sourceType === resourceType
        : (targetType ?? resourceType) === resourceType && (!param.target || param.target.includes(resourceType));
    if (!fits) throw new Unsupported(`${name}=${value} does not apply to a ${resourceType} search`);
  }
  return { sourceType, param: paramCode, ...(targetType ? { targetType } : {}), iterate };
}

/**
 * `_has:Observation:patient:code=…`: resources that an Observation with that code refers
 * to by its `patient` parameter (one level).
 * @see https://hl7.org/fhir/R4/search.html#has
 */
function parseHas(
  resourceType: string,
  sourceType: string,
  referenceParam: string,
  clauseName: string,
  value: string,
  name: string,
): SearchQuery['has'][number] {
  if (!sourceType || !referenceParam || !clauseName) throw invalid(name, 'expected _has:Type:reference:parameter');
  if (clauseName.startsWith('_has')) throw new Unsupported(`Nested _has is not supported: ${name}`);
  const param = searchParamFor(sourceType, referenceParam);
  if (!isServedType(sourceType) || param?.type !== 'reference') {
    throw new Unsupported(`${sourceType}:${referenceParam} is not a reference parameter samvard knows`);
  }
  if (param.target && !param.target.includes(resourceType)) {
    throw new Unsupported(`${sourceType}.${referenceParam} does not refer to ${resourceType}`);
  }
  return { sourceType, referenceParam, clause: parseClause(sourceType, clauseName, value, false, name) };
}

/** Why a modifier cannot be used on `param`, or undefined when it can. */
function modifierProblem(param: SearchParamDef, modifier: string): string | undefined {
  if (MODIFIERS[param.type]?.includes(modifier)) return undefined;
  if (param.type === 'reference' && param.target?.includes(modifier)) return undefined;
  return `Modifier :${modifier} is not supported on ${param.type} parameter ${param.code}`;
}

/**
 * `code[:modifier]=v1,v2` on `resourceType`, or with `allowChain` one level of chaining:
 * `patient.identifier=…`, `subject:Patient.name=…`.
 * @see https://hl7.org/fhir/R4/search.html#chaining
 */
function parseClause(resourceType: string, key: string, value: string, allowChain: boolean, name = key): SearchClause {
  const dot = key.indexOf('.');
  const head = dot < 0 ? key : key.slice(0, dot);
  const [code = '', modifier, ...extra] = head.split(':');
  const param = searchParamFor(resourceType, code);
  if (!param) throw new Unsupported(`Unknown search parameter ${code} on ${resourceType}`);
  if (!param.expression || param.type === 'composite' || param.type === 'special') {
    throw new Unsupported(`Search parameter ${code} is not supported`);
  }
  if (extra.length > 0) throw new Unsupported(`Unknown modifier in ${name}`);
  if (modifier !== undefined) {
    const problem = modifierProblem(param, modifier);
    if (problem) throw new Unsupported(problem);
  }
  const withModifier = { code, param, ...(modifier ? { modifier } : {}) };

  if (dot >= 0) {
    if (!allowChain) throw new Unsupported(`Chaining is not supported here: ${name}`);
    if (param.type !== 'reference' || (modifier !== undefined && !param.target?.includes(modifier))) {
      throw new Unsupported(`Cannot chain from ${head}`);
    }
    const rest = key.slice(dot + 1);
    const [first, ...others] = (modifier ? [modifier] : chainTargets(param, rest.split(':')[0] ?? '', name)).map(
      (targetType) => ({ targetType, clause: parseClause(targetType, rest, value, false, name) }),
    );
    if (!first) throw new Unsupported(`Cannot chain from ${head}`);
    return { ...withModifier, values: [], chain: others.length > 0 ? { ...first, alternatives: others } : first };
  }

  const values = splitOnCommas(value)
    .filter((v) => v !== '')
    .map((raw) => parseSearchValue(param, modifier, raw, name));
  if (values.length === 0) throw new NoValue();
  return { ...withModifier, values };
}

/**
 * The served types a chain goes to when the client did not name one: every target type
 * of the reference that has the chained parameter (`owner.name` reaches Practitioner,
 * Organization, Patient …).
 */
function chainTargets(param: SearchParamDef, chainedCode: string, name: string): string[] {
  const targets = (param.target ?? []).filter((t) => isServedType(t) && searchParamFor(t, chainedCode));
  if (targets.length === 0) throw new Unsupported(`No type that ${param.code} refers to has ${chainedCode}: ${name}`);
  return targets;
}
