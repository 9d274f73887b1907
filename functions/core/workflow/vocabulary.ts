/**
 * The codes and URLs of samvard's workflow broker (docs/workflow.md). The code systems
 * are defined in `fhir-profiles/input/fsh/codesystems.fsh` and served at
 * `/fhir/CodeSystem/workflow` and `/fhir/CodeSystem/care-team-role`.
 */
import type { Coding, Resource } from '@medplum/fhirtypes';

/** Tags samvard puts on what it maintains, and the rules a refused request names. */
export const WORKFLOW_SYSTEM = 'https://samvard.se/fhir/CodeSystem/workflow';
/** Why a participant is in a maintained care team. */
export const CARE_TEAM_ROLE_SYSTEM = 'https://samvard.se/fhir/CodeSystem/care-team-role';
/** On a maintained team's task-owner participant: a Task that keeps the participant active. */
export const ACTIVE_TASK_EXTENSION = 'https://samvard.se/fhir/StructureDefinition/samvard-care-team-active-task';
export const SIP_CARE_TEAM_PROFILE = 'https://samvard.se/fhir/StructureDefinition/samvard-sip-careteam';
export const CAREPLAN_PROFILE = 'https://samvard.se/fhir/StructureDefinition/samvard-careplan';
export const CARE_PLAN_TYPE_SYSTEM = 'https://samvard.se/fhir/CodeSystem/care-plan-type';

/** OAuth client ids, for a Provenance agent that is a client system. */
export const OAUTH_CLIENT_SYSTEM = 'https://samvard.se/fhir/sid/oauth-client';

export const TAG = {
  /** A CareTeam samvard maintains from the Tasks of its CarePlan; clients do not write it. */
  maintainedCareTeam: 'maintained-care-team',
  /** A CarePlan samvard created because an HSL-uppdrag had none. */
  createdForTask: 'created-for-task',
} as const;

export const ROLE = { patient: 'patient', planAuthor: 'plan-author', taskOwner: 'task-owner' } as const;
export type CareTeamRole = (typeof ROLE)[keyof typeof ROLE];

export function tagCoding(code: string): Coding {
  return { system: WORKFLOW_SYSTEM, code };
}

export function hasTag(resource: Resource | undefined, code: string): boolean {
  return resource?.meta?.tag?.some((t) => t.system === WORKFLOW_SYSTEM && t.code === code) ?? false;
}
