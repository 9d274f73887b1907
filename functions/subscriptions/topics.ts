/**
 * The subscription topics samvard supports, for topic-based subscriptions (Subscriptions
 * R5 Backport IG for R4): a Subscription names one by canonical URL in `criteria` and
 * narrows it with `backport-filter-criteria` extensions using the topic's filter
 * parameters (search parameters of the topic's resource type).
 *
 * R4 has no SubscriptionTopic resource; these are defined here in code with the parts of
 * R5's SubscriptionTopic that samvard uses: the resource type, which interactions
 * trigger (`resourceTrigger.supportedInteraction`), an extra condition on the previous
 * and current version (`queryCriteria`), and the allowed filters (`canFilterBy`).
 *
 * @see https://hl7.org/fhir/uv/subscriptions-backport/STU1.1/components.html
 * @see https://hl7.org/fhir/R5/subscriptiontopic.html
 */
import type { Reference, Resource, ServiceRequest, Task } from '@medplum/fhirtypes';
import type { WriteOperation } from '../store/resource-store.ts';

export const TOPIC_BASE = 'https://samvard.se/fhir/SubscriptionTopic';

export interface TopicFilter {
  /** A search parameter of the topic's resource type. */
  code: string;
  description: string;
}

export interface TopicDefinition {
  url: string;
  title: string;
  description: string;
  resourceType: 'Task' | 'ServiceRequest' | 'CarePlan' | 'Observation';
  /** The interactions that can trigger a notification. */
  interactions: readonly WriteOperation[];
  /**
   * Whether a change triggers, given the version written (undefined for a deletion) and
   * the version before it (undefined for a creation). Absent: every listed interaction does.
   */
  fires?: (current: Resource | undefined, previous: Resource | undefined) => boolean;
  /** The filters a subscription may use (`canFilterBy`); others are a 400. */
  filters: readonly TopicFilter[];
}

const reference = (r: Reference | undefined): string | undefined => r?.reference;
const references = (rs: Reference[] | undefined): string =>
  (rs ?? [])
    .map((r) => r.reference ?? '')
    .sort()
    .join('\n');

export const TOPICS: readonly TopicDefinition[] = [
  {
    url: `${TOPIC_BASE}/task-owner`,
    title: 'Task assigned to an organisation',
    description:
      'A Task (HSL-uppdrag) gets an owner: it is created with one, its owner changes, or the status of an owned Task changes. Filter by owner to hear about the Tasks addressed to one unit.',
    resourceType: 'Task',
    interactions: ['create', 'update'],
    fires: (current, previous) => {
      const task = current as Task | undefined;
      const before = previous as Task | undefined;
      if (!reference(task?.owner)) return false;
      return !before || reference(before.owner) !== reference(task?.owner) || before.status !== task?.status;
    },
    filters: [
      { code: 'owner', description: 'The organisation (or practitioner) the Task is assigned to' },
      { code: 'status', description: 'Task status' },
      { code: 'code', description: 'Kind of task' },
      { code: 'patient', description: 'The patient the Task is for' },
      { code: 'requester', description: 'Who asked for the Task' },
      { code: 'based-on', description: 'The ServiceRequest the Task fulfils' },
    ],
  },
  {
    url: `${TOPIC_BASE}/servicerequest-performer`,
    title: 'ServiceRequest addressed to a performer',
    description:
      'A ServiceRequest (vårdbegäran, ordination) names a performer: it is created with one, its performers change, or the status of such a request changes. Filter by performer to hear about the requests addressed to one unit.',
    resourceType: 'ServiceRequest',
    interactions: ['create', 'update'],
    fires: (current, previous) => {
      const request = current as ServiceRequest | undefined;
      const before = previous as ServiceRequest | undefined;
      if (!request?.performer?.length) return false;
      return !before || references(before.performer) !== references(request.performer) || before.status !== request.status;
    },
    filters: [
      { code: 'performer', description: 'The unit asked to perform the request' },
      { code: 'status', description: 'ServiceRequest status' },
      { code: 'intent', description: 'ServiceRequest intent (e.g. order)' },
      { code: 'code', description: 'What is requested' },
      { code: 'patient', description: 'The patient the request is about' },
      { code: 'requester', description: 'Who asked' },
    ],
  },
  {
    url: `${TOPIC_BASE}/careplan-patient`,
    title: "A patient's CarePlan changed",
    description:
      'A CarePlan (SIP, SPU, ...) is created, updated or deleted. Filter by patient to follow one patient\'s plans.',
    resourceType: 'CarePlan',
    interactions: ['create', 'update', 'delete'],
    filters: [
      { code: 'patient', description: 'The patient the plan is for' },
      { code: 'subject', description: 'The subject of the plan' },
      { code: 'category', description: 'Kind of plan (SIP, SPU, ...)' },
      { code: 'status', description: 'CarePlan status' },
    ],
  },
  {
    url: `${TOPIC_BASE}/observation-patient`,
    title: "A patient's new Observation",
    description:
      'An Observation (vital signs measured at home, egenvårdsbedömning) is created. Filter by patient, and by code for one kind of measurement.',
    resourceType: 'Observation',
    interactions: ['create'],
    filters: [
      { code: 'patient', description: 'The patient observed' },
      { code: 'subject', description: 'The subject observed' },
      { code: 'code', description: 'What was observed (e.g. LOINC 8867-4 heart rate)' },
      { code: 'category', description: 'Observation category (e.g. vital-signs)' },
    ],
  },
];

const byUrl = new Map(TOPICS.map((t) => [t.url, t]));

/** The topic a canonical names (a `|version` suffix is ignored), or undefined. */
export function topicFor(canonical: string): TopicDefinition | undefined {
  return byUrl.get(canonical.split('|')[0] ?? '');
}

/** Whether a change of `operation` fires `topic`. */
export function topicFires(
  topic: TopicDefinition,
  operation: WriteOperation,
  current: Resource | undefined,
  previous: Resource | undefined,
): boolean {
  if (!topic.interactions.includes(operation)) return false;
  return topic.fires ? topic.fires(current, previous) : true;
}
