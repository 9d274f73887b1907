/**
 * HSA-ids (the Swedish directory of health and care: persons, units, care providers) as
 * FHIR identifiers. One definition for the access rules, the workflow broker and party
 * notifications, which all match parties by them.
 */
import type { Resource } from '@medplum/fhirtypes';

export const HSA_SYSTEM = 'urn:oid:1.2.752.29.4.19';
/** The HSA OID RIV-TA gateways use; treated as the same identifier system. */
export const HSA_SYSTEM_RIVTA = 'urn:oid:1.2.752.129.2.1.4.1';
export const HSA_SYSTEMS: ReadonlySet<string> = new Set([HSA_SYSTEM, HSA_SYSTEM_RIVTA]);

/** The HSA-ids among a resource's identifiers (Organization, Practitioner, PractitionerRole ...). */
export function hsaIdsOf(resource: Resource | undefined): string[] {
  const identifiers = (resource as { identifier?: { system?: string; value?: string }[] } | undefined)?.identifier ?? [];
  return identifiers.filter((i) => HSA_SYSTEMS.has(i.system ?? '') && i.value).map((i) => i.value as string);
}
