/**
 * The HSL-uppdrag Task state machine: which status changes exist and which party
 * (the Task's requester or its owner) may make each. A subset of FHIR's Task state
 * machine, with the parties of the Dutch Shared Care Planning IG's Task negotiation
 * table (FHIR workflow pattern H: samvard is the broker that holds the Tasks).
 *
 * Pure: no I/O. The party is decided elsewhere (party.ts); with authentication off there
 * is no caller, and the table is enforced without the party column.
 *
 * @see https://hl7.org/fhir/R4/task.html#statemachine
 * @see https://hl7.org/fhir/R4/workflow-management.html#optionh
 * @see docs/workflow.md
 */
import type { OperationOutcome, Task } from '@medplum/fhirtypes';
import { OperationOutcomeError } from '../outcomes.ts';
import { WORKFLOW_SYSTEM } from './vocabulary.ts';

export type TaskStatus = NonNullable<Task['status']>;
export type Party = 'requester' | 'owner';

/** One allowed status change. `from` undefined: the Task is created with `to`. */
export interface Transition {
  from: TaskStatus | undefined;
  to: TaskStatus;
  by: readonly Party[];
  /** What else the transition needs, as told to clients. */
  needs?: string;
}

const OWNER = ['owner'] as const;
const REQUESTER = ['requester'] as const;
const EITHER = ['requester', 'owner'] as const;

/** The published table (served in the CapabilityStatement and docs/workflow.md). */
export const TRANSITIONS: readonly Transition[] = [
  { from: undefined, to: 'requested', by: REQUESTER },
  { from: undefined, to: 'ready', by: REQUESTER },
  { from: 'requested', to: 'received', by: OWNER },
  { from: 'requested', to: 'accepted', by: OWNER },
  { from: 'requested', to: 'rejected', by: OWNER, needs: 'statusReason' },
  { from: 'requested', to: 'in-progress', by: OWNER },
  { from: 'requested', to: 'completed', by: OWNER },
  { from: 'requested', to: 'cancelled', by: EITHER },
  { from: 'requested', to: 'entered-in-error', by: REQUESTER },
  { from: 'received', to: 'accepted', by: OWNER },
  { from: 'received', to: 'rejected', by: OWNER, needs: 'statusReason' },
  { from: 'received', to: 'in-progress', by: OWNER },
  { from: 'received', to: 'completed', by: OWNER },
  { from: 'received', to: 'cancelled', by: EITHER },
  { from: 'received', to: 'entered-in-error', by: REQUESTER },
  { from: 'accepted', to: 'in-progress', by: OWNER },
  { from: 'accepted', to: 'completed', by: OWNER },
  { from: 'accepted', to: 'cancelled', by: EITHER },
  { from: 'ready', to: 'in-progress', by: OWNER },
  { from: 'ready', to: 'completed', by: OWNER },
  { from: 'ready', to: 'cancelled', by: EITHER },
  { from: 'ready', to: 'entered-in-error', by: REQUESTER },
  { from: 'in-progress', to: 'on-hold', by: EITHER },
  { from: 'in-progress', to: 'completed', by: OWNER },
  { from: 'in-progress', to: 'failed', by: OWNER },
  { from: 'in-progress', to: 'cancelled', by: EITHER },
  { from: 'on-hold', to: 'in-progress', by: EITHER },
  { from: 'on-hold', to: 'cancelled', by: EITHER },
];

/** Every status the state machine knows, in lifecycle order. */
export const TASK_STATUSES: readonly TaskStatus[] = [
  'requested',
  'received',
  'accepted',
  'rejected',
  'ready',
  'in-progress',
  'on-hold',
  'completed',
  'failed',
  'cancelled',
  'entered-in-error',
];

/** While a Task is in one of these, its owner is an active participant (if it joined). */
export const ACTIVE_STATUSES: ReadonlySet<TaskStatus> = new Set(['accepted', 'in-progress', 'on-hold']);

/** Statuses that mean the owner took the Task on (accepted it, or did it at once). */
const TAKEN_ON: ReadonlySet<TaskStatus> = new Set(['accepted', 'in-progress', 'on-hold', 'completed', 'failed']);

/**
 * Whether this status change makes the owner a participant of the plan's care team:
 * the owner takes on a Task that was requested of it (from requested or received; a
 * Task created `ready` never adds anyone).
 */
export function joinsTeam(from: TaskStatus | undefined, to: TaskStatus): boolean {
  return (from === 'requested' || from === 'received') && TAKEN_ON.has(to);
}

/** The rules a refused request names (codes of {@link WORKFLOW_SYSTEM}). */
export type WorkflowRule =
  | 'initial-status'
  | 'transition-unknown'
  | 'transition-party'
  | 'rejection-reason'
  | 'immutable'
  | 'owner-fixed'
  | 'not-a-party'
  | 'plan-not-usable'
  | 'maintained-care-team';

/** A 409 OperationOutcome that names the workflow rule (code and text) and, if given, the element. */
export function workflowError(rule: WorkflowRule, text: string, expression?: string[]): OperationOutcomeError {
  const outcome: OperationOutcome = {
    resourceType: 'OperationOutcome',
    id: 'conflict',
    issue: [
      {
        severity: 'error',
        code: 'business-rule',
        details: { coding: [{ system: WORKFLOW_SYSTEM, code: rule }], text: `${rule}: ${text}` },
        ...(expression && expression.length > 0 ? { expression } : {}),
      },
    ],
  };
  return new OperationOutcomeError(outcome);
}

export function findTransition(from: TaskStatus | undefined, to: TaskStatus): Transition | undefined {
  return TRANSITIONS.find((t) => t.from === from && t.to === to);
}

const describeParties = (by: readonly Party[]): string => (by.length === 2 ? 'the requester or the owner' : `the ${by[0]}`);

/**
 * Checks a status change against the table. `parties` is what the caller is to this
 * Task (party.ts); undefined when there is no caller (authentication off): then only
 * the state machine is enforced, not who makes the change.
 *
 * Throws a 409 naming the rule; returns the transition (undefined when the status stays).
 */
export function checkTransition(
  from: TaskStatus | undefined,
  next: Task,
  parties: ReadonlySet<Party> | undefined,
): Transition | undefined {
  const to = next.status;
  if (from !== undefined && to === from) {
    if (parties && parties.size === 0) {
      throw workflowError('not-a-party', 'only the Task\'s requester or owner changes it');
    }
    return undefined;
  }
  const transition = findTransition(from, to);
  if (!transition) {
    if (from === undefined) {
      throw workflowError('initial-status', `a Task is created as requested or ready, not ${to}`, ['Task.status']);
    }
    const onward = TRANSITIONS.filter((t) => t.from === from).map((t) => t.to);
    throw workflowError(
      'transition-unknown',
      `a Task goes from ${from} to ` + (onward.length > 0 ? `${onward.join(', ')}; not to ${to}` : `no other status; not to ${to}`),
      ['Task.status'],
    );
  }
  if (parties && !transition.by.some((p) => parties.has(p))) {
    const what = from === undefined ? `creating a ${to} Task` : `${from} → ${to}`;
    throw workflowError(
      'transition-party',
      `${what} is for ${describeParties(transition.by)} of the Task; the caller is ` +
        (parties.size === 0 ? 'neither' : `its ${[...parties].join(' and ')}`),
      ['Task.status'],
    );
  }
  if (transition.needs === 'statusReason' && !next.statusReason) {
    throw workflowError('rejection-reason', `a ${to} Task says why in statusReason`, ['Task.statusReason']);
  }
  return transition;
}

/** The table as Markdown, for the CapabilityStatement and docs/workflow.md. */
export function transitionTableMarkdown(): string {
  const rows = TRANSITIONS.map(
    (t) => `| ${t.from ?? '(new)'} | ${t.to} | ${describeParties(t.by)}${t.needs ? ` (with ${t.needs})` : ''} | ${teamEffect(t)} |`,
  );
  return ['| from | to | by | care team |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

function teamEffect(t: Transition): string {
  if (joinsTeam(t.from, t.to)) {
    return ACTIVE_STATUSES.has(t.to) ? 'owner joins' : 'owner joins and leaves at once (unless active by another Task)';
  }
  if (t.from !== undefined && ACTIVE_STATUSES.has(t.from) && !ACTIVE_STATUSES.has(t.to)) {
    return 'owner leaves if this was its last active Task';
  }
  return '';
}
