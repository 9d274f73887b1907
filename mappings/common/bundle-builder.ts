/**
 * Builds the transaction Bundle a document maps to.
 *
 * - Patients, organisations, practitioners (and practitioner roles) are conditional
 *   creates (`ifNoneExist`) on personnummer / HSA-id: matched, never duplicated, never
 *   overwritten by a document.
 * - The resources a document is the source of (a ServiceRequest, a Task …) carry the
 *   document's id as a business identifier and are conditional updates on it
 *   (`PUT ServiceRequest?identifier=…`): the first post creates, a newer version updates
 *   the same resource (and mappings/ingest.ts turns an unchanged one into a no-op).
 * - `fullUrl`s are `urn:uuid:`s derived from what the entry is (a hash, not random), so the
 *   mapping is a pure function: the same document always gives the same Bundle.
 *
 * Every entry remembers where in the document it came from, so a profile error on a
 * mapped resource can be reported against the document's own fields.
 *
 * @see https://hl7.org/fhir/R4/http.html#transaction
 * @see https://hl7.org/fhir/R4/http.html#ccreate
 */
import { createHash } from 'node:crypto';
import type {
  Bundle,
  BundleEntry,
  Identifier,
  Organization,
  Patient,
  Practitioner,
  PractitionerRole,
  Resource,
  ResourceType,
} from '@medplum/fhirtypes';
import {
  HSA_SYSTEM,
  ORGANIZATION_KINDS,
  ORGNR_SYSTEM,
  type OrganizationKind,
  PERSONNUMMER_SYSTEM,
  SAMORDNINGSNUMMER_SYSTEM,
  codeSystemUrl,
  profileUrl,
} from './codes.ts';
import { type PatientDoc, type ProfessionalDoc, type UnitDoc, isSamordningsnummer } from './schema.ts';

/** Where an entry of the Bundle came from in the document. */
export interface EntrySource {
  /** Path of the document part the entry maps, e.g. `patient`, `measurements[3]`. */
  path: string;
  /** Finer: a resource element (FHIRPath without indexes, e.g. `Patient.identifier`) to the document field it holds. */
  fields?: Record<string, string>;
  /** A rule of the profile on the whole resource (its key, e.g. `samvard-sr-2`) to the document field it is about. */
  rules?: Record<string, string>;
}

/** A mapped document: the transaction Bundle and, per entry, where it came from. */
export interface MappedBundle {
  bundle: Bundle;
  sources: EntrySource[];
}

/** A reference to an entry of the Bundle (its `urn:uuid:` fullUrl, with its type). */
export interface EntryRef {
  reference: string;
  type: ResourceType;
  display?: string;
}

const NAMESPACE = 'samvard-ingest';

/** A name-based UUID (version 5 layout, SHA-1) for `key`. */
export function uuidFor(key: string): string {
  const hash = createHash('sha1').update(`${NAMESPACE}\n${key}`).digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * A search query string from name/value pairs, percent-encoded except for the characters
 * of systems and identifiers (`: / | @`), so it stays readable:
 * `identifier=http://electronichealth.se/identifier/personnummer|191212121212`.
 */
export function searchCriteria(params: Record<string, string>): string {
  const encode = (s: string) => encodeURIComponent(s).replace(/%(3A|2F|7C|40)/gi, (m) => decodeURIComponent(m));
  return Object.entries(params)
    .map(([k, v]) => `${encode(k)}=${encode(v)}`)
    .join('&');
}

/** `identifier=system|value`. */
export const identifierCriteria = (identifier: { system: string; value: string }): string =>
  searchCriteria({ identifier: `${identifier.system}|${identifier.value}` });

export class BundleBuilder {
  private readonly entries: BundleEntry[] = [];
  private readonly sources: EntrySource[] = [];
  private readonly refs = new Map<string, EntryRef>();

  /** Whether an entry with this key is in the Bundle. */
  has(key: string): boolean {
    return this.refs.has(key);
  }

  /** A conditional create: the resource is created only if nothing matches `criteria`. Deduplicated by `key`. */
  createIfNoneExist(key: string, resource: Resource, criteria: string, source: EntrySource): EntryRef {
    return this.add(key, resource, { method: 'POST', url: resource.resourceType, ifNoneExist: criteria }, source);
  }

  /**
   * A conditional update on `criteria` (the document's business identifier): creates the
   * resource on the first post, updates it on later ones. `ifMatch` pins the version the
   * mapping read (`W/"3"`), so a concurrent change makes the transaction fail, not overwrite.
   */
  upsert(key: string, resource: Resource, criteria: string, source: EntrySource, ifMatch?: string): EntryRef {
    const request: BundleEntry['request'] = { method: 'PUT', url: `${resource.resourceType}?${criteria}` };
    if (ifMatch && request) request.ifMatch = ifMatch;
    return this.add(key, resource, request, source);
  }

  private add(key: string, resource: Resource, request: BundleEntry['request'], source: EntrySource): EntryRef {
    const known = this.refs.get(key);
    if (known) return known;
    const ref: EntryRef = { reference: `urn:uuid:${uuidFor(key)}`, type: resource.resourceType };
    this.entries.push({ fullUrl: ref.reference, resource, request });
    this.sources.push(source);
    this.refs.set(key, ref);
    return ref;
  }

  /** The patient, by personnummer or samordningsnummer. */
  patient(doc: PatientDoc, path: string): EntryRef {
    const system = isSamordningsnummer(doc.personId) ? SAMORDNINGSNUMMER_SYSTEM : PERSONNUMMER_SYSTEM;
    const identifier = { system, value: doc.personId };
    const resource: Patient = {
      resourceType: 'Patient',
      meta: { profile: [profileUrl('samvard-patient')] },
      identifier: [identifier],
    };
    if (doc.name && (doc.name.given || doc.name.family)) {
      resource.name = [{ ...(doc.name.family ? { family: doc.name.family } : {}), ...(doc.name.given ? { given: [doc.name.given] } : {}) }];
    }
    return this.createIfNoneExist(`Patient|${system}|${doc.personId}`, resource, identifierCriteria(identifier), {
      path,
      fields: { 'Patient.identifier': `${path}.personId`, 'Patient.name': `${path}.name` },
    });
  }

  /** A care unit, by HSA-id; `defaultKind` when the document does not say. */
  organization(doc: UnitDoc, defaultKind: OrganizationKind, path: string): EntryRef {
    const kind = doc.kind ?? defaultKind;
    const identifier: Identifier[] = [{ system: HSA_SYSTEM, value: doc.hsaId }];
    if (doc.organisationsnummer) identifier.push({ system: ORGNR_SYSTEM, value: doc.organisationsnummer });
    const resource: Organization = {
      resourceType: 'Organization',
      meta: { profile: [profileUrl('samvard-organization')] },
      identifier,
      type: [{ coding: [{ system: codeSystemUrl('organization-kind'), code: kind, display: ORGANIZATION_KINDS[kind] }] }],
      name: doc.name,
    };
    return this.createIfNoneExist(`Organization|${doc.hsaId}`, resource, identifierCriteria({ system: HSA_SYSTEM, value: doc.hsaId }), {
      path,
      fields: {
        'Organization.identifier': `${path}.hsaId`,
        'Organization.type': `${path}.kind`,
        'Organization.name': `${path}.name`,
      },
    });
  }

  /**
   * A unit known only by its HSA-id (and perhaps a name), as RIV-TA documents name them:
   * it claims samvard-organization only when its name and huvudman are known (the
   * huvudman from the HSA-id: `SE212000…` kommun, `SE232100…` region, the organisation
   * numbers of kommuner and regioner); otherwise it is a plain Organization to be
   * completed from the HSA catalogue.
   */
  organizationByHsaId(hsa: string, name: string | undefined, path: string): EntryRef {
    const kind = kindFromHsaId(hsa);
    if (name && kind) return this.organization({ hsaId: hsa, name, kind }, kind, path);
    const resource: Organization = { resourceType: 'Organization', identifier: [{ system: HSA_SYSTEM, value: hsa }] };
    if (name) resource.name = name;
    return this.createIfNoneExist(`Organization|${hsa}`, resource, identifierCriteria({ system: HSA_SYSTEM, value: hsa }), {
      path,
      fields: { 'Organization.identifier': path },
    });
  }

  /** A health professional, by HSA-id. */
  practitioner(doc: ProfessionalDoc, path: string): EntryRef {
    const resource: Practitioner = { resourceType: 'Practitioner', identifier: [{ system: HSA_SYSTEM, value: doc.hsaId }] };
    if (doc.name) resource.name = [{ text: doc.name }];
    return this.createIfNoneExist(`Practitioner|${doc.hsaId}`, resource, identifierCriteria({ system: HSA_SYSTEM, value: doc.hsaId }), {
      path,
      fields: { 'Practitioner.identifier': `${path}.hsaId`, 'Practitioner.name': `${path}.name` },
    });
  }

  /**
   * A professional at a unit: a PractitionerRole matched on both HSA-ids (a chained
   * search), with the Practitioner and the Organization it links.
   */
  practitionerRole(
    doc: ProfessionalDoc,
    unitDoc: UnitDoc,
    defaultKind: OrganizationKind,
    path: { professional: string; unit: string },
  ): EntryRef {
    const practitioner = this.practitioner(doc, path.professional);
    const organization = this.organization(unitDoc, defaultKind, path.unit);
    const resource: PractitionerRole = {
      resourceType: 'PractitionerRole',
      practitioner: { ...practitioner, ...(doc.name ? { display: doc.name } : {}) },
      organization: { ...organization, display: unitDoc.name },
    };
    if (doc.role) resource.code = [{ text: doc.role }];
    const criteria = searchCriteria({
      'practitioner.identifier': `${HSA_SYSTEM}|${doc.hsaId}`,
      'organization.identifier': `${HSA_SYSTEM}|${unitDoc.hsaId}`,
    });
    return this.createIfNoneExist(`PractitionerRole|${doc.hsaId}|${unitDoc.hsaId}`, resource, criteria, {
      path: path.professional,
      fields: { 'PractitionerRole.code': `${path.professional}.role` },
    });
  }

  build(): MappedBundle {
    return { bundle: { resourceType: 'Bundle', type: 'transaction', entry: [...this.entries] }, sources: [...this.sources] };
  }
}

/** The huvudman an HSA-id shows: kommuner's organisation numbers are 212000-xxxx, regioner's 232100-xxxx. */
export function kindFromHsaId(hsa: string): OrganizationKind | undefined {
  if (hsa.startsWith('SE212000')) return 'kommun';
  if (hsa.startsWith('SE232100')) return 'region';
  return undefined;
}
