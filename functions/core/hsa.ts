/**
 * HSA-ids (the Swedish directory of health and care: persons, units, care providers) as
 * FHIR identifiers. One definition for the access rules, the workflow broker and party
 * notifications, which all match parties by them.
 */
import type { PractitionerRole, Reference, Resource } from '@medplum/fhirtypes';
import { referenceKey } from '../store/search-index.ts';

export const HSA_SYSTEM = 'urn:oid:1.2.752.29.4.19';
/** The HSA OID RIV-TA gateways use; treated as the same identifier system. */
export const HSA_SYSTEM_RIVTA = 'urn:oid:1.2.752.129.2.1.4.1';
export const HSA_SYSTEMS: ReadonlySet<string> = new Set([HSA_SYSTEM, HSA_SYSTEM_RIVTA]);

/** The HSA-ids among a resource's identifiers (Organization, Practitioner, PractitionerRole ...). */
export function hsaIdsOf(resource: Resource | undefined): string[] {
  const identifiers = (resource as { identifier?: { system?: string; value?: string }[] } | undefined)?.identifier ?? [];
  return identifiers.filter((i) => HSA_SYSTEMS.has(i.system ?? '') && i.value).map((i) => i.value as string);
}

/**
 * The HSA-ids a party reference stands for: its own `identifier` (HSA system), and the HSA
 * identifiers of the Organization, Practitioner or PractitionerRole it points to (a
 * PractitionerRole also stands for its organization). `read` gives a `Type/id`'s current
 * content; the access rules read past the caller's view, the workflow broker through the
 * commit it is planning.
 */
export async function hsaIdsOfReference(
  ref: Reference | undefined,
  read: (key: string) => Promise<Resource | undefined>,
): Promise<string[]> {
  if (!ref) return [];
  const ids = ref.identifier && HSA_SYSTEMS.has(ref.identifier.system ?? '') && ref.identifier.value ? [ref.identifier.value] : [];
  const key = ref.reference ? referenceKey({ type: 'Reference', value: ref }) : undefined;
  if (key && /^(Organization|Practitioner|PractitionerRole)\//.test(key)) {
    const target = await read(key);
    ids.push(...hsaIdsOf(target));
    if (target?.resourceType === 'PractitionerRole') ids.push(...(await hsaIdsOfReference((target as PractitionerRole).organization, read)));
  }
  return [...new Set(ids)];
}
