/**
 * What the caller is to a Task: its requester, its owner, both or neither.
 *
 * The caller comes from the access token (functions/auth/caller.ts): the HSA-ids of its
 * care provider and care unit (and of the professional, for a user token), and an
 * Organization reference when the token names one. It is the Task's requester (owner)
 * when
 * - the caller's Organization reference is the Task.requester (Task.owner) reference, or
 * - one of the caller's HSA-ids is an HSA-id the requester (owner) reference stands for:
 *   the reference's own `identifier`, or the HSA identifiers of the Organization (or
 *   Practitioner, or a PractitionerRole's organization) it points to (directory.ts).
 *
 * A unit acts for the Tasks addressed to it or to its care provider; a care provider's
 * other units do not act for a Task addressed to one unit (as the access rules match
 * addressees). A patient token is never a party.
 *
 * No caller (authentication off): {@link partyOf} is not called, and the state machine
 * is enforced without its party column (docs/workflow.md).
 */
import type { Reference, Task } from '@medplum/fhirtypes';
import { type Directory, keyOf } from './directory.ts';
import type { Party } from './task-state-machine.ts';

/** The part of the authenticated caller (functions/auth/caller.ts) the workflow reads. */
export interface WorkflowCaller {
  careProvider?: string | undefined;
  careUnit?: string | undefined;
  professional?: string | undefined;
  patient?: string | undefined;
  clientId?: string | undefined;
  /** The caller's Organization (care unit), when the token or client registration names one. */
  organization?: Reference | undefined;
}

export async function partyOf(caller: WorkflowCaller, task: Task, directory: Directory): Promise<Set<Party>> {
  const parties = new Set<Party>();
  if (caller.patient !== undefined && caller.careUnit === undefined) return parties;
  const mine = new Set([caller.careUnit, caller.careProvider, caller.professional].filter((v): v is string => !!v));
  const myOrganization = keyOf(caller.organization);
  const is = async (ref: Reference | undefined): Promise<boolean> => {
    if (!ref) return false;
    if (myOrganization !== undefined && keyOf(ref) === myOrganization) return true;
    return (await directory.hsaIds(ref)).some((id) => mine.has(id));
  };
  if (await is(task.requester)) parties.add('requester');
  if (await is(task.owner)) parties.add('owner');
  return parties;
}
