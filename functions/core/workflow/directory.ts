/**
 * Who a reference stands for, in HSA terms: the HSA-ids of a Task's requester or owner,
 * and the care unit (Organization) a party belongs to, for CareTeam members.
 *
 * A reference is matched by its `identifier` (HSA system) and by the HSA identifiers of
 * the Organization, Practitioner or PractitionerRole (then its organization) it points
 * to, as the access rules match addressees (functions/access/facts.ts).
 */
import type { Organization, PractitionerRole, Reference, Resource } from '@medplum/fhirtypes';
import type { ResourceStore } from '../../store/resource-store.ts';
import { referenceKey, tokenPk } from '../../store/search-index.ts';
import { HSA_SYSTEM, HSA_SYSTEMS, hsaIdsOf, hsaIdsOfReference } from '../hsa.ts';

/** Reads current resources, seeing the writes of the commit being planned. */
export type Read = (type: string, id: string) => Promise<Resource | undefined>;

export class Directory {
  private readonly byHsa = new Map<string, Promise<Organization | undefined>>();

  constructor(
    readonly read: Read,
    private readonly store: ResourceStore,
  ) {}

  /** The resource a literal reference points to (`Type/id`, also in an absolute URL). */
  async target(ref: Reference | undefined): Promise<Resource | undefined> {
    const key = keyOf(ref);
    if (!key) return undefined;
    const [type, id] = key.split('/') as [string, string];
    return this.read(type, id);
  }

  /** The HSA-ids a party reference stands for. */
  hsaIds(ref: Reference | undefined): Promise<string[]> {
    return hsaIdsOfReference(ref, (key) => {
      const [type, id] = key.split('/') as [string, string];
      return this.read(type, id);
    });
  }

  /**
   * The care unit a party reference stands for, as a CareTeam member: an Organization
   * reference carrying its HSA-id (`identifier`) and name. An Organization is itself; a
   * PractitionerRole stands for its organization; an identifier-only reference is looked up
   * among the Organizations by HSA-id (and stays logical when none has it).
   */
  async unitOf(ref: Reference | undefined): Promise<{ unit: Reference; organization?: Organization } | undefined> {
    if (!ref) return undefined;
    const target = await this.target(ref);
    if (target?.resourceType === 'Organization') return { unit: memberReference(target as Organization), organization: target as Organization };
    if (target?.resourceType === 'PractitionerRole') return this.unitOf((target as PractitionerRole).organization);
    const hsa = ref.identifier && HSA_SYSTEMS.has(ref.identifier.system ?? '') ? ref.identifier.value : undefined;
    if (hsa) {
      const organization = await this.organizationByHsa(hsa);
      if (organization) return { unit: memberReference(organization), organization };
      return { unit: { type: 'Organization', identifier: { system: HSA_SYSTEM, value: hsa } } };
    }
    // A Practitioner, HealthcareService or unknown target: the reference as given.
    return keyOf(ref) || ref.identifier ? { unit: { ...pick(ref) } } : undefined;
  }

  /** The Organization with this HSA-id, if samvard has one. */
  organizationByHsa(hsa: string): Promise<Organization | undefined> {
    let pending = this.byHsa.get(hsa);
    if (!pending) {
      pending = this.findOrganization(hsa);
      this.byHsa.set(hsa, pending);
    }
    return pending;
  }

  private async findOrganization(hsa: string): Promise<Organization | undefined> {
    const page = await this.store.queryIndex(tokenPk('Organization', 'identifier', hsa), { limit: 10 });
    for (const id of page.sks) {
      const organization = (await this.read('Organization', id)) as Organization | undefined;
      if (organization && hsaIdsOf(organization).includes(hsa)) return organization;
    }
    return undefined;
  }
}

/** `Type/id` of a literal reference, if it is one. */
export function keyOf(ref: Reference | undefined): string | undefined {
  return ref?.reference ? referenceKey({ type: 'Reference', value: ref }) : undefined;
}

/** A key that says whether two unit references are the same unit. */
export function unitKey(ref: Reference): string {
  return keyOf(ref) ?? `${ref.identifier?.system ?? ''}|${ref.identifier?.value ?? ''}`;
}

function memberReference(organization: Organization): Reference {
  const hsa = organization.identifier?.find((i) => HSA_SYSTEMS.has(i.system ?? '') && i.value);
  return {
    reference: `Organization/${organization.id}`,
    type: 'Organization',
    ...(hsa ? { identifier: { system: HSA_SYSTEM, value: hsa.value as string } } : {}),
    ...(organization.name ? { display: organization.name } : {}),
  };
}

function pick(ref: Reference): Reference {
  const out: Reference = {};
  if (ref.reference) out.reference = ref.reference;
  if (ref.type) out.type = ref.type;
  if (ref.identifier) out.identifier = ref.identifier;
  if (ref.display) out.display = ref.display;
  return out;
}
