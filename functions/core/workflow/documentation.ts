/**
 * What the CapabilityStatement says about the workflow broker (docs/workflow.md has the
 * full description).
 */
import { transitionTableMarkdown } from './task-state-machine.ts';

/** The Task entry's documentation: the state machine and its parties. */
export function taskWorkflowDocumentation(): string {
  return [
    'HSL-uppdrag workflow (FHIR workflow pattern H; samvard is the broker). A Task status changes only as this table says; ' +
      'the party (requester or owner) is decided from the access token: the caller\'s care unit or care provider HSA-id ' +
      '(or Organization) against Task.requester and Task.owner. With authentication off the table is enforced without the ' +
      'party column. A refused change is 409 with an OperationOutcome naming the rule ' +
      '(issue.details.coding, https://samvard.se/fhir/CodeSystem/workflow).',
    transitionTableMarkdown(),
    'Same-status updates are for the requester or owner; for, requester, the requests in basedOn, the plan and focus do not ' +
      'change, and the owner changes only while the Task is requested, received or ready. A new Task based on a vårdbegäran is ' +
      'linked to the patient\'s CarePlan for it (basedOn; created with its care team when there is none) and its focus set to ' +
      'the request. Requester and owner are notified of every change to their Tasks without a Subscription, at the notification ' +
      'Endpoint their Organization names (Organization.endpoint; the subscription delivery path, channel Organization/<id>). ' +
      'See docs/workflow.md.',
  ].join('\n\n');
}

/** The CareTeam entry's documentation: which teams samvard maintains. */
export function careTeamWorkflowDocumentation(): string {
  return (
    'A CareTeam tagged https://samvard.se/fhir/CodeSystem/workflow#maintained-care-team is maintained by samvard from the ' +
    'HSL-uppdrag Tasks of its CarePlan (the patient, the plan\'s author, and the owners that took on a Task, each with a period); ' +
    'clients do not create, change or delete it (409). Every change is recorded by a Provenance (target the team version, ' +
    'entity the Task version). See docs/workflow.md.'
  );
}
