/**
 * Who the parties of a change are, for party notifications (party-channel.ts): the
 * organisations a Task, ServiceRequest, CarePlan or CareTeam version is addressed to.
 *
 * | changed | parties |
 * | --- | --- |
 * | Task | `requester` and `owner`, of this version and of the one before (a previous owner hears that the Task left it) |
 * | ServiceRequest | `requester` and each `performer`, of this version and of the one before |
 * | CareTeam | participants active in this version or the one before (one that leaves hears it; `period.end` not before the change) |
 * | CarePlan | participants active at the change of each CareTeam in `CarePlan.careTeam` (as they are now) |
 *
 * A party reference stands for an organisation as in the care team samvard keeps
 * (`Directory.unitOf`, functions/core/workflow/directory.ts): an Organization is itself,
 * a PractitionerRole its `organization`, an HSA-id (identifier only) the Organization
 * carrying it; a participant's `onBehalfOf` when its member is none of these. Patients,
 * Practitioners without a role and organisations samvard has no Organization for are no one.
 */
import type { CarePlan, CareTeam, CareTeamParticipant, Reference, Resource, ServiceRequest, Task } from '@medplum/fhirtypes';
import { Directory, keyOf } from '../core/workflow/directory.ts';
import type { ResourceStore } from '../store/resource-store.ts';

export const PARTY_TYPES: ReadonlySet<string> = new Set(['Task', 'ServiceRequest', 'CarePlan', 'CareTeam']);

/** Resolves parties for one matcher batch (Organizations and CareTeams read once per batch). */
export class PartyResolver {
  private readonly directory: Directory;
  private readonly teams = new Map<string, Promise<Resource | undefined>>();

  constructor(private readonly store: ResourceStore) {
    this.directory = new Directory((type, id) => this.read(type, id), store);
  }

  /**
   * The Organization ids of the parties of a change: `current` is the version written
   * (undefined for a deletion), `previous` the one before (undefined for a creation), `at`
   * the change's instant.
   */
  async organizations(type: string, current: Resource | undefined, previous: Resource | undefined, at: string): Promise<string[]> {
    const refs: (Reference | undefined)[] = [];
    const versions = [current, previous].filter((r): r is Resource => r !== undefined);
    switch (type) {
      case 'Task':
        for (const t of versions as Task[]) refs.push(t.requester, t.owner);
        break;
      case 'ServiceRequest':
        for (const r of versions as ServiceRequest[]) refs.push(r.requester, ...(r.performer ?? []));
        break;
      case 'CareTeam':
        for (const team of versions as CareTeam[]) refs.push(...activeMembers(team, at));
        break;
      case 'CarePlan': {
        const plan = (current ?? previous) as CarePlan | undefined;
        for (const ref of plan?.careTeam ?? []) {
          const key = keyOf(ref);
          if (!key?.startsWith('CareTeam/')) continue;
          const team = (await this.read('CareTeam', key.slice('CareTeam/'.length))) as CareTeam | undefined;
          if (team) refs.push(...activeMembers(team, at));
        }
        break;
      }
      default:
        return [];
    }
    const ids = new Set<string>();
    for (const ref of refs) {
      const id = await this.organizationOf(ref);
      if (id) ids.add(id);
    }
    return [...ids];
  }

  /** The Organization a party reference stands for (see the module comment). */
  private async organizationOf(ref: Reference | undefined): Promise<string | undefined> {
    if (!ref) return undefined;
    const type = keyOf(ref)?.split('/')[0];
    if (type !== undefined && type !== 'Organization' && type !== 'PractitionerRole') return undefined;
    if (type === undefined && !ref.identifier) return undefined;
    return (await this.directory.unitOf(ref))?.organization?.id;
  }

  private read(type: string, id: string): Promise<Resource | undefined> {
    const key = `${type}/${id}`;
    let pending = this.teams.get(key);
    if (!pending) {
      pending = this.store.readCurrent(type, id).then((v) => (v?.operation === 'delete' ? undefined : v?.resource));
      this.teams.set(key, pending);
    }
    return pending;
  }
}

/** The members (or, for a member that is no organisation, `onBehalfOf`) of participants active at `at`. */
function activeMembers(team: CareTeam, at: string): Reference[] {
  return (team.participant ?? []).filter((p) => isActive(p, at)).flatMap((p) => {
    const memberType = keyOf(p.member)?.split('/')[0];
    const isUnit = memberType === 'Organization' || memberType === 'PractitionerRole' || (!p.member?.reference && p.member?.identifier);
    return isUnit ? [p.member as Reference] : p.onBehalfOf ? [p.onBehalfOf] : [];
  });
}

/** A participant whose period has not ended before `at` (an end at `at` is the change that ends it). */
function isActive(p: CareTeamParticipant, at: string): boolean {
  const end = p.period?.end;
  return end === undefined || new Date(end).getTime() >= new Date(at).getTime();
}
