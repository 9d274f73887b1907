import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { Caller } from '../auth/caller.ts';
import type { ResourceStore } from '../store/resource-store.ts';

/** What an interaction needs besides its own arguments. No HTTP in here. */
export interface FhirContext {
  store: ResourceStore;
  /** Absolute base of the FHIR API, for `fullUrl` and links, e.g. `https://host/fhir`. */
  baseUrl: string;
  now?: () => Date;
  /**
   * Who calls, from the access token; absent when authentication is off. With it,
   * `store` is the caller's view (functions/access/guard.ts): the access rules applied.
   */
  caller?: Caller;
}

/** The version an interaction produced, for `ETag` and `Last-Modified`. */
export interface VersionInfo {
  versionId: string;
  lastUpdated: string;
}

/** What every interaction returns: an outcome and, usually, a resource. */
export interface FhirResult {
  outcome: OperationOutcome;
  resource?: Resource;
  version?: VersionInfo;
}
