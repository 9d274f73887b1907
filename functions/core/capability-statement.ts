/**
 * The CapabilityStatement: exactly the interactions this build implements.
 *
 * @see https://hl7.org/fhir/R4/capabilitystatement.html
 */
import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import { MAX_RESOURCE_BYTES } from './limits.ts';
import { SERVED_RESOURCE_TYPES } from './resource-types.ts';

export const SOFTWARE_VERSION = '0.1.0';

const INTERACTIONS = ['read', 'vread', 'update', 'delete', 'history-instance', 'history-type', 'create'] as const;

export function capabilityStatement(baseUrl: string): CapabilityStatement {
  const resource: CapabilityStatementRestResource[] = SERVED_RESOURCE_TYPES.map((type) => ({
    type,
    profile: `http://hl7.org/fhir/StructureDefinition/${type}`,
    interaction: INTERACTIONS.map((code) => ({ code })),
    versioning: 'versioned-update',
    readHistory: true,
    updateCreate: true,
    conditionalCreate: false,
    conditionalRead: 'not-supported',
    conditionalUpdate: false,
    conditionalDelete: 'not-supported',
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
          `Concurrency: ETag W/"<versionId>" and If-Match (412 on a stale version).`,
        resource,
        interaction: [],
      },
    ],
  };
}
