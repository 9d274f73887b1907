/**
 * Who documented a resource, recorded by samvard from the access token, never from the
 * request body.
 *
 * Every version samvard writes for an authenticated caller carries in `meta.extension`:
 *
 * - `https://samvard.se/fhir/StructureDefinition/documented-by`: the custodian, i.e. the
 *   care provider and unit whose documentation the resource is (SVOD's "own
 *   documentation"). Set from the token when the resource is created and carried over
 *   unchanged to every later version, whoever writes it.
 * - `https://samvard.se/fhir/StructureDefinition/written-by`: who wrote this version
 *   (provider, unit, professional or patient, and the OAuth client).
 *
 * Each has the sub-extensions `careProvider`, `careUnit`, `professional` (valueIdentifier,
 * system `urn:oid:1.2.752.29.4.19`, HSA-id), `patient` (valueReference) and `client`
 * (valueString, `written-by` only). Whatever a client sends under these URLs is removed
 * before the stamp is added.
 *
 * Why an extension on `meta` and not `meta.security`/`meta.tag`: HSA-ids are identifiers,
 * not codes of a code system, and security labels say how data must be handled, not who
 * wrote it. `meta` is not part of the clinical content, so the stamp changes no meaning.
 */
import type { Extension, Identifier, Meta, Resource } from '@medplum/fhirtypes';
import { type Caller, HSA_SYSTEM } from '../auth/caller.ts';
import type { Custodian } from './rules.ts';

export const DOCUMENTED_BY = 'https://samvard.se/fhir/StructureDefinition/documented-by';
export const WRITTEN_BY = 'https://samvard.se/fhir/StructureDefinition/written-by';

const STAMPS = new Set([DOCUMENTED_BY, WRITTEN_BY]);

/** The custodian a stored resource records; undefined when it has no stamp. */
export function custodianOf(resource: Resource | undefined): Custodian | undefined {
  const ext = resource?.meta?.extension?.find((e) => e.url === DOCUMENTED_BY);
  if (!ext) return undefined;
  const part = (url: string): Extension | undefined => ext.extension?.find((e) => e.url === url);
  const custodian: Custodian = {};
  const provider = part('careProvider')?.valueIdentifier?.value;
  const unit = part('careUnit')?.valueIdentifier?.value;
  const patient = part('patient')?.valueReference?.reference;
  if (provider) custodian.careProvider = provider;
  if (unit) custodian.careUnit = unit;
  if (patient?.startsWith('Patient/')) custodian.patient = patient.slice('Patient/'.length);
  return custodian;
}

/** The resource without any client-supplied stamp. */
export function withoutStamps<T extends Resource>(resource: T): T {
  const extension = resource.meta?.extension?.filter((e) => !STAMPS.has(e.url));
  if (!resource.meta || extension?.length === resource.meta.extension?.length) return resource;
  const meta: Meta = { ...resource.meta };
  if (extension && extension.length > 0) meta.extension = extension;
  else delete meta.extension;
  return { ...resource, meta };
}

/**
 * The resource as stored: client stamps removed, `documented-by` from the previous
 * version (or the caller, for a new resource: `previous` undefined) and `written-by`
 * from the caller.
 */
export function stamp<T extends Resource>(resource: T, caller: Caller, previous: Resource | undefined): T {
  const clean = withoutStamps(resource);
  // A resource written before samvard stamped (or with authentication off) keeps no
  // custodian: changing it does not make it the writer's documentation.
  const documentedBy: Extension | undefined = previous
    ? previous.meta?.extension?.find((e) => e.url === DOCUMENTED_BY)
    : { url: DOCUMENTED_BY, extension: identity(caller, false) };
  const writtenBy: Extension = { url: WRITTEN_BY, extension: identity(caller, true) };
  const extension = [...(clean.meta?.extension ?? []), ...(documentedBy ? [documentedBy] : []), writtenBy];
  return { ...clean, meta: { ...clean.meta, extension } };
}

function identity(caller: Caller, withClient: boolean): Extension[] {
  const hsa = (value: string): Identifier => ({ system: HSA_SYSTEM, value });
  const parts: Extension[] = [];
  if (caller.careProvider) parts.push({ url: 'careProvider', valueIdentifier: hsa(caller.careProvider) });
  if (caller.careUnit) parts.push({ url: 'careUnit', valueIdentifier: hsa(caller.careUnit) });
  if (caller.professional) parts.push({ url: 'professional', valueIdentifier: hsa(caller.professional) });
  if (caller.patient) parts.push({ url: 'patient', valueReference: { reference: `Patient/${caller.patient}` } });
  if (withClient) parts.push({ url: 'client', valueString: caller.clientId });
  return parts;
}
