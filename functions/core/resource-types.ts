/** The resource types samvard serves through its FHIR REST API. */
export const SERVED_RESOURCE_TYPES = [
  'AuditEvent',
  'CarePlan',
  'CareTeam',
  'Consent',
  // An organisation's notification endpoint for the workflow broker's party notifications
  // (functions/subscriptions/party-channel.ts, docs/workflow.md).
  'Endpoint',
  'Observation',
  'Organization',
  'Patient',
  'Practitioner',
  'PractitionerRole',
  // Written by the workflow broker for every change of a maintained CareTeam (functions/core/workflow/).
  'Provenance',
  'ServiceRequest',
  'Subscription',
  'Task',
] as const;

export type ServedResourceType = (typeof SERVED_RESOURCE_TYPES)[number];

const served = new Set<string>(SERVED_RESOURCE_TYPES);

export function isServedResourceType(type: string): type is ServedResourceType {
  return served.has(type);
}
