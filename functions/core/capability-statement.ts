/**
 * The CapabilityStatement: exactly the interactions this build implements.
 *
 * @see https://hl7.org/fhir/R4/capabilitystatement.html
 */
import type {
  CapabilityStatement,
  CapabilityStatementRestResource,
  CapabilityStatementRestResourceSearchParam,
} from '@medplum/fhirtypes';
import { isIndexed } from '../store/search-index.ts';
import { conformanceCapabilities } from './conformance.ts';
import { MAX_INGEST_ENTRIES, MAX_RESOURCE_BYTES } from './limits.ts';
import { profileEnforcementDocumentation, supportedProfiles } from './profiles.ts';
import { SERVED_RESOURCE_TYPES } from './resource-types.ts';
import { searchParamsFor } from './search/parameters.ts';
import { careTeamWorkflowDocumentation, taskWorkflowDocumentation } from './workflow/documentation.ts';

export const SOFTWARE_VERSION = '0.1.0';

const INTERACTIONS = [
  'read',
  'vread',
  'update',
  'delete',
  'history-instance',
  'history-type',
  'create',
  'search-type',
] as const;

/** Search parameter types the matcher implements (composite and special are not). */
const SEARCHABLE = new Set(['number', 'date', 'string', 'token', 'reference', 'quantity', 'uri']);

const COMMON_SEARCH_PARAMS: CapabilityStatementRestResourceSearchParam[] = [
  { name: '_id', type: 'token' },
  { name: '_lastUpdated', type: 'date' },
];

export function capabilityStatement(baseUrl: string): CapabilityStatement {
  const resource: CapabilityStatementRestResource[] = SERVED_RESOURCE_TYPES.map((type) => ({
    type,
    profile: `http://hl7.org/fhir/StructureDefinition/${type}`,
    ...(type === 'Task' ? { documentation: taskWorkflowDocumentation() } : {}),
    ...(type === 'CareTeam' ? { documentation: careTeamWorkflowDocumentation() } : {}),
    ...(supportedProfiles(type).length > 0 ? { supportedProfile: supportedProfiles(type) } : {}),
    interaction: INTERACTIONS.map((code) => ({ code })),
    versioning: 'versioned-update',
    readHistory: true,
    updateCreate: true,
    conditionalCreate: false,
    conditionalRead: 'not-supported',
    conditionalUpdate: false,
    conditionalDelete: 'not-supported',
    searchInclude: ['*'],
    searchRevInclude: ['*'],
    searchParam: [
      ...COMMON_SEARCH_PARAMS,
      ...searchParamsFor(type)
        .filter((p) => SEARCHABLE.has(p.type) && !p.code.startsWith('_'))
        .map((p) => ({
          name: p.code,
          type: p.type as CapabilityStatementRestResourceSearchParam['type'],
          ...(isIndexed(type, p.code) ? { documentation: 'Indexed: can drive a search on its own' } : {}),
        }))
        .sort((a, b) => (a.name < b.name ? -1 : 1)),
    ],
    ...(type === 'Patient'
      ? {
          operation: [
            { name: 'everything', definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything' },
          ],
        }
      : {}),
  }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-11-22',
    publisher: 'samvard',
    kind: 'instance',
    software: { name: 'samvard', version: SOFTWARE_VERSION },
    implementation: { description: 'samvard: shared care record for God och nära vård', url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'application/json'],
    rest: [
      {
        mode: 'server',
        documentation:
          `Every write is validated against the base R4 definitions and stored atomically with its history ` +
          `version. Resources larger than ${MAX_RESOURCE_BYTES} bytes are rejected with 413. ` +
          `Concurrency: ETag W/"<versionId>" and If-Match (412 on a stale version). ` +
          `Search: _count default 20, max 1000; paging by opaque cursor; unknown parameters are ignored ` +
          `(400 under Prefer: handling=strict); one level of chaining and _has; see docs/search.md. ` +
          `${profileEnforcementDocumentation()} See docs/profiles.md. ` +
          `Region and municipal documents (not FHIR) are ingested beside this base, not as a FHIR operation: ` +
          `POST /ingest/{format}[?dryRun=true] maps one to a single transaction (at most ${MAX_INGEST_ENTRIES} resources); ` +
          `GET /ingest lists the formats with their JSON Schemas. See mappings/README.md.`,
        resource: [...resource, ...conformanceCapabilities()],
        interaction: [{ code: 'search-system' }],
        searchParam: COMMON_SEARCH_PARAMS,
        operation: [{ name: 'validate', definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate' }],
      },
    ],
  };
}
