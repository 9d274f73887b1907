/**
 * samvard's conformance resources served read-only at `/fhir/StructureDefinition`,
 * `/fhir/ValueSet` and `/fhir/CodeSystem`: read by id and search by `url` (and `_id`,
 * `name`, `version`, `status`). They are the profiles' full definitions as SUSHI wrote them
 * (`fhir-profiles/generated/resources/`), carried in the bundle gzipped and unpacked on
 * first use; validation uses a cut-down index instead (`profile-registry.ts`).
 *
 * @see https://hl7.org/fhir/R4/http.html#read
 * @see https://hl7.org/fhir/R4/search.html
 */
import type {
  Bundle,
  BundleEntry,
  CapabilityStatementRestResource,
  CodeSystem,
  StructureDefinition,
  ValueSet,
} from '@medplum/fhirtypes';
import packed from '../../fhir-profiles/generated/samvard-conformance.json' with { type: 'json' };
import { unpackJson } from './packed-json.ts';
import type { FhirContext, FhirResult } from './context.ts';
import { OperationOutcomeError, allOk, badRequest, notFound } from './outcomes.ts';
import { canonicalUrl } from './profile-registry.ts';
import type { SearchOptions, SearchParams } from './search/search.ts';

/** The conformance resource types served here. */
export const SERVED_CONFORMANCE_TYPES = ['StructureDefinition', 'ValueSet', 'CodeSystem'] as const;
export type ServedConformanceType = (typeof SERVED_CONFORMANCE_TYPES)[number];
type ConformanceResource = StructureDefinition | ValueSet | CodeSystem;

/** The search parameters supported on each conformance type. */
export const CONFORMANCE_SEARCH_PARAMS = [
  { name: 'url', type: 'uri', documentation: 'The canonical URL; `url|version` also matches the version' },
  { name: '_id', type: 'token', documentation: 'The logical id' },
  { name: 'name', type: 'string', documentation: 'Starts with, case- and accent-insensitive' },
  { name: 'version', type: 'token', documentation: 'The business version' },
  { name: 'status', type: 'token', documentation: 'draft | active | retired | unknown' },
] as const;

let resources: ConformanceResource[] | undefined;

function all(): ConformanceResource[] {
  if (!resources) {
    const bundle = unpackJson<Bundle<ConformanceResource>>(packed);
    resources = (bundle.entry ?? [])
      .map((e) => e.resource as ConformanceResource)
      .filter((r) => (SERVED_CONFORMANCE_TYPES as readonly string[]).includes(r.resourceType));
  }
  return resources;
}

export function isServedConformanceType(type: string): type is ServedConformanceType {
  return (SERVED_CONFORMANCE_TYPES as readonly string[]).includes(type);
}

function assertConformanceType(type: string): asserts type is ServedConformanceType {
  if (!isServedConformanceType(type)) {
    throw new OperationOutcomeError(notFound(`Resource type ${type} is not served here`));
  }
}

/** @see https://hl7.org/fhir/R4/http.html#read */
export function readConformanceResource(_ctx: FhirContext, type: string, id: string): FhirResult {
  assertConformanceType(type);
  const resource = all().find((r) => r.resourceType === type && r.id === id);
  if (!resource) throw new OperationOutcomeError(notFound(`${type}/${id} not found`));
  return { outcome: allOk(), resource };
}

/**
 * Search on a conformance type. Every parameter is an AND; commas within one are an OR.
 * Other parameters are ignored (and left out of the `self` link), or a 400 under
 * `Prefer: handling=strict`, as for resource search.
 *
 * @see https://hl7.org/fhir/R4/search.html
 */
export function searchConformanceResources(
  ctx: FhirContext,
  type: string,
  params: SearchParams,
  options: SearchOptions = { strict: false },
): FhirResult {
  assertConformanceType(type);
  const applied: SearchParams = [];
  let matches = all().filter((r) => r.resourceType === type);
  for (const [name, value] of params) {
    const test = matcher(name, value);
    if (!test) {
      if (options.strict) {
        throw new OperationOutcomeError(
          badRequest(
            `Search parameter ${name} is not supported on ${type}; supported: ${CONFORMANCE_SEARCH_PARAMS.map((p) => p.name).join(', ')}`,
            [name],
          ),
        );
      }
      continue;
    }
    applied.push([name, value]);
    matches = matches.filter(test);
  }
  const query = applied.map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`).join('&');
  const entry: BundleEntry[] = matches.map((resource) => ({
    fullUrl: `${ctx.baseUrl}/${type}/${resource.id}`,
    resource,
    search: { mode: 'match' },
  }));
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'searchset',
    total: entry.length,
    link: [{ relation: 'self', url: `${ctx.baseUrl}/${type}${query ? `?${query}` : ''}` }],
    entry,
  };
  return { outcome: allOk(), resource: bundle };
}

function matcher(name: string, value: string): ((r: ConformanceResource) => boolean) | undefined {
  const values = value.split(',').filter((v) => v !== '');
  if (values.length === 0) return undefined;
  switch (name) {
    case 'url':
      return (r) =>
        values.some((v) => {
          const version = v.includes('|') ? v.slice(v.indexOf('|') + 1) : undefined;
          return r.url === canonicalUrl(v) && (version === undefined || r.version === version);
        });
    case '_id':
      return (r) => values.includes(r.id ?? '');
    case 'name':
      return (r) => values.some((v) => fold(r.name ?? '').startsWith(fold(v)));
    case 'version':
      return (r) => values.includes(r.version ?? '');
    case 'status':
      return (r) => values.includes(r.status ?? '');
    default:
      return undefined;
  }
}

/** Case- and accent-insensitive, as string search asks. */
function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{Diacritic}/gu, '').toLowerCase();
}

/** The CapabilityStatement entries for the conformance types: read and search, nothing else. */
export function conformanceCapabilities(): CapabilityStatementRestResource[] {
  return SERVED_CONFORMANCE_TYPES.map((type) => ({
    type,
    profile: `http://hl7.org/fhir/StructureDefinition/${type}`,
    documentation: `samvard's own ${type}s (canonical base https://samvard.se/fhir), read-only`,
    interaction: [{ code: 'read' }, { code: 'search-type' }],
    versioning: 'no-version',
    readHistory: false,
    updateCreate: false,
    searchParam: CONFORMANCE_SEARCH_PARAMS.map(({ name, type: paramType, documentation }) => ({
      name,
      type: paramType,
      documentation,
    })),
  }));
}
