/**
 * The CareTeam samvard maintains for a CarePlan, as pure functions from one version of
 * the team to the next (docs/workflow.md, "The care team").
 *
 * Shape: `subject` the patient; `participant` entries, each with one `role` from
 * `https://samvard.se/fhir/CodeSystem/care-team-role`:
 * - `patient`: `member` the Patient; always, from the team's start;
 * - `plan-author`: `member` the care unit that authored the plan; always;
 * - `task-owner`: `member` a care unit that took on an HSL-uppdrag of the plan, with
 *   `period.start` when it did; while active (no `period.end`) the entry lists, in the
 *   extension `samvard-care-team-active-task`, the Tasks that keep it active; when the last
 *   of them completes, fails, is cancelled or deleted, `period.end` is set and the list is
 *   emptied. Taking on a Task later opens a new entry.
 *
 * `member` is an Organization reference with the unit's HSA-id as `identifier` (the
 * access rules match on it). There is no `onBehalfOf`: R4 allows it only with a
 * Practitioner member (ctm-1); a unit's care provider is its Organization's `partOf`.
 */
import type { CareTeam, CareTeamParticipant, Extension, Reference } from '@medplum/fhirtypes';
import { profileIssues } from '../profiles.ts';
import { unitKey } from './directory.ts';
import {
  ACTIVE_TASK_EXTENSION,
  CARE_TEAM_ROLE_SYSTEM,
  type CareTeamRole,
  ROLE,
  SIP_CARE_TEAM_PROFILE,
  TAG,
  tagCoding,
} from './vocabulary.ts';

/** A care unit (or, for the patient entry, the Patient). */
export interface TeamMember {
  unit: Reference;
}

const ROLE_DISPLAY: Record<CareTeamRole, string> = {
  patient: 'Patient',
  'plan-author': 'Planens författare',
  'task-owner': 'Utförare av HSL-uppdrag',
};

function participant(role: CareTeamRole, member: TeamMember, start: string): CareTeamParticipant {
  return {
    role: [{ coding: [{ system: CARE_TEAM_ROLE_SYSTEM, code: role, display: ROLE_DISPLAY[role] }] }],
    member: member.unit as CareTeamParticipant['member'],
    period: { start },
  };
}

export function roleOf(p: CareTeamParticipant): string | undefined {
  return p.role?.flatMap((r) => r.coding ?? []).find((c) => c.system === CARE_TEAM_ROLE_SYSTEM)?.code;
}

/** A new maintained team: the patient and the plan's author. */
export function newCareTeam(args: {
  id: string;
  patient: Reference;
  author: TeamMember;
  plan: string;
  now: string;
}): CareTeam {
  return withSipClaim({
    resourceType: 'CareTeam',
    id: args.id,
    meta: { tag: [tagCoding(TAG.maintainedCareTeam)] },
    status: 'active',
    name: `Vårdteam för ${args.plan} (förs av samvard)`,
    subject: args.patient as CareTeam['subject'],
    period: { start: args.now },
    participant: [participant(ROLE.patient, { unit: args.patient }, args.now), participant(ROLE.planAuthor, args.author, args.now)],
  });
}

export interface TeamChange {
  team: CareTeam;
  /** What changed, for the Provenance; undefined when nothing did. */
  change?: string;
}

const activeTasks = (p: CareTeamParticipant): string[] =>
  (p.extension ?? []).filter((e) => e.url === ACTIVE_TASK_EXTENSION).flatMap((e) => (e.valueReference?.reference ? [e.valueReference.reference] : []));

const withActiveTasks = (p: CareTeamParticipant, tasks: string[]): CareTeamParticipant => {
  const others = (p.extension ?? []).filter((e) => e.url !== ACTIVE_TASK_EXTENSION);
  const extension: Extension[] = [...others, ...tasks.map((t) => ({ url: ACTIVE_TASK_EXTENSION, valueReference: { reference: t } }))];
  const { extension: _old, ...rest } = p;
  return extension.length > 0 ? { extension, ...rest } : rest;
};

/** The owner took on `task` (`Task/id`): it is an active participant, held by this Task. Apply {@link withSipClaim} to the result. */
export function joinTeam(team: CareTeam, owner: TeamMember, task: string, now: string): TeamChange {
  const participants = team.participant ?? [];
  const key = unitKey(owner.unit);
  const open = participants.findIndex((p) => roleOf(p) === ROLE.taskOwner && !p.period?.end && p.member && unitKey(p.member) === key);
  const name = owner.unit.display ?? owner.unit.reference ?? owner.unit.identifier?.value;
  if (open >= 0) {
    const entry = participants[open] as CareTeamParticipant;
    if (activeTasks(entry).includes(task)) return { team };
    const next = [...participants];
    next[open] = withActiveTasks(entry, [...activeTasks(entry), task]);
    return { team: { ...team, participant: next }, change: `${name} stays active, also by ${task}` };
  }
  const entry = withActiveTasks(participant(ROLE.taskOwner, owner, now), [task]);
  return { team: { ...team, participant: [...participants, entry] }, change: `${name} joins by ${task}` };
}

/**
 * `task` no longer keeps its owner active; the participant's period ends if it was the last.
 * (Callers apply {@link withSipClaim} to the result, as after {@link joinTeam}.)
 */
export function leaveTeam(team: CareTeam, task: string, now: string): TeamChange {
  const participants = team.participant ?? [];
  const at = participants.findIndex((p) => !p.period?.end && activeTasks(p).includes(task));
  if (at < 0) return { team };
  const entry = participants[at] as CareTeamParticipant;
  const rest = activeTasks(entry).filter((t) => t !== task);
  const name = entry.member?.display ?? entry.member?.reference ?? entry.member?.identifier?.value;
  const next = [...participants];
  if (rest.length > 0) {
    next[at] = withActiveTasks(entry, rest);
    return { team: { ...team, participant: next }, change: `${name} stays active by ${rest.join(', ')}; ${task} no longer holds it` };
  }
  next[at] = withActiveTasks({ ...entry, period: { ...entry.period, end: now } }, []);
  return { team: { ...team, participant: next }, change: `${name} leaves: ${task} was its last active Task` };
}

/**
 * The team claims the SIP CareTeam profile (participants from at least two care
 * providers) exactly when it conforms to it: from the moment a second care provider's
 * unit takes on a Task. A team of the author and the patient alone does not claim it.
 */
export function withSipClaim(team: CareTeam): CareTeam {
  const others = (team.meta?.profile ?? []).filter((p) => p !== SIP_CARE_TEAM_PROFILE);
  const claimed: CareTeam = { ...team, meta: { ...team.meta, profile: [...others, SIP_CARE_TEAM_PROFILE] } };
  const conforms = !profileIssues(claimed).some((i) => i.severity === 'error' || i.severity === 'fatal');
  const meta = { ...team.meta };
  if (conforms) meta.profile = [...others, SIP_CARE_TEAM_PROFILE];
  else if (others.length > 0) meta.profile = others;
  else delete meta.profile;
  return { ...team, meta };
}
