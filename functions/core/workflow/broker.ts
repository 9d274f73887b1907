/**
 * The workflow broker (FHIR workflow pattern H, as the Dutch Shared Care Planning IG's
 * Care Plan Service): every write path commits through {@link commitWrites}, which
 *
 * - checks each Task status change against the state machine and the caller's party
 *   (task-state-machine.ts, party.ts), and the elements that do not change;
 * - links a new HSL-uppdrag to the patient's CarePlan for the vårdbegäran (creating the
 *   plan and its care team when there is none) and sets its `focus` to the request;
 * - keeps the plan's CareTeam true: an owner that takes on a Task becomes an active
 *   participant, and its period ends when its last active Task ends (care-team.ts), each
 *   change recorded by a Provenance;
 * - refuses client writes to a maintained CareTeam;
 *
 * and commits the client's changes and samvard's together, in one atomic commit. A
 * conflict on samvard's own changes (another Task of the plan changed the team first)
 * is planned again; a conflict on the client's changes is the caller's, as before.
 *
 * Transport-free; reads what it needs through the store without the caller's access
 * view (`ResourceStore.unguarded`), and marks its own changes `maintained`.
 *
 * @see docs/workflow.md
 */
import { randomUUID } from 'node:crypto';
import type {
  CarePlan,
  CareTeam,
  Provenance,
  ProvenanceAgent,
  Reference,
  Resource,
  ServiceRequest,
  Task,
} from '@medplum/fhirtypes';
import {
  type Change,
  type GuardItem,
  type ResourceStore,
  type StoredVersion,
  VersionConflictError,
} from '../../store/resource-store.ts';
import type { FhirContext } from '../context.ts';
import { OperationOutcomeError, conflict } from '../outcomes.ts';
import { buildVersion } from '../writes.ts';
import { type TeamMember, joinTeam, leaveTeam, newCareTeam, withSipClaim } from './care-team.ts';
import { HSA_SYSTEM } from '../hsa.ts';
import { Directory, keyOf } from './directory.ts';
import { type WorkflowCaller, partyOf } from './party.ts';
import {
  ACTIVE_STATUSES,
  type Party,
  type TaskStatus,
  type Transition,
  checkTransition,
  joinsTeam,
  workflowError,
} from './task-state-machine.ts';
import {
  CAREPLAN_PROFILE,
  CARE_PLAN_TYPE_SYSTEM,
  OAUTH_CLIENT_SYSTEM,
  TAG,
  hasTag,
  tagCoding,
} from './vocabulary.ts';

/** How often samvard re-plans its own changes after another writer changed the team first. */
const MAINTAINED_RETRIES = 5;

/** Statuses of a plan a new Task may join. */
const USABLE_PLAN_STATUSES = new Set(['draft', 'active', 'on-hold']);

/**
 * Commits the client's changes, with what the workflow adds, atomically. Throws
 * {@link VersionConflictError} when a client change lost a race (its `changeIndex`
 * counts the client's changes only), and 409 OperationOutcomes for workflow rules.
 */
export async function commitWrites(ctx: FhirContext, changes: Change[]): Promise<void> {
  if (!changes.some((c) => c.next.type === 'Task' || c.next.type === 'CareTeam')) {
    await ctx.store.commit(changes);
    return;
  }
  // The planner enriches the client's resources in place (bundle results hold them);
  // each attempt starts again from what the client sent.
  const originals = changes.map((c) => ({ object: c.next.resource, copy: c.next.resource && structuredClone(c.next.resource) }));
  for (let attempt = 1; ; attempt++) {
    changes.forEach((change, i) => {
      const { object, copy } = originals[i] as (typeof originals)[number];
      if (object && copy) {
        for (const key of Object.keys(object)) delete (object as unknown as Record<string, unknown>)[key];
        Object.assign(object, structuredClone(copy));
        change.next.resource = object;
      }
    });
    const planner = new Planner(ctx, changes);
    const maintained = await planner.plan();
    try {
      await ctx.store.commit([...changes, ...maintained]);
      return;
    } catch (err) {
      const ours = err instanceof VersionConflictError && err.changeIndex !== undefined && err.changeIndex >= changes.length;
      if (!ours) throw err;
      if (attempt >= MAINTAINED_RETRIES) {
        throw new OperationOutcomeError(conflict('The care team of the Task\'s plan is being changed by others; retry'));
      }
    }
  }
}

interface PlanAndTeam {
  planId: string;
  teamId: string;
}

class Planner {
  private readonly store: ResourceStore;
  private readonly caller: WorkflowCaller | undefined;
  private readonly now: string;
  /** The context with the clock stopped at {@link now}: all of samvard's versions share one time. */
  private readonly clock: FhirContext;
  private readonly directory: Directory;
  /** The client's changes by `Type/id`. */
  private readonly client = new Map<string, Change>();
  /** samvard's changes by `Type/id`, in the order first made. */
  private readonly own = new Map<string, Change>();
  /** Plans created in this commit, by the vårdbegäran they were created for. */
  private readonly planForRequest = new Map<string, string>();
  /**
   * Each stored version read, once: what samvard changes is conditioned on exactly the
   * version its content came from (a second read could see a newer one and lose it).
   */
  private readonly stored = new Map<string, Promise<StoredVersion | undefined>>();

  constructor(
    ctx: FhirContext,
    private readonly changes: Change[],
  ) {
    this.store = ctx.store.unguarded ?? ctx.store;
    this.caller = (ctx as FhirContext & { caller?: WorkflowCaller }).caller;
    // The time of the client's versions (they were built just before), so the Task version,
    // the team version and the Provenance that links them all carry one time.
    const times = changes.map((c) => c.next.lastUpdated).sort();
    const now = new Date(times[times.length - 1] ?? (ctx.now?.() ?? new Date()).toISOString());
    this.now = now.toISOString();
    this.clock = { ...ctx, now: () => now };
    for (const change of changes) this.client.set(`${change.next.type}/${change.next.id}`, change);
    this.directory = new Directory((type, id) => this.read(type, id), this.store);
  }

  async plan(): Promise<Change[]> {
    for (const change of this.changes) {
      if (change.next.type === 'CareTeam') this.refuseMaintainedTeam(change);
      else if (change.next.type === 'Task') await this.planTask(change);
    }
    return [...this.own.values()];
  }

  // ---- reads and writes within the commit ---------------------------------------------

  /** The current content, as this commit leaves it so far. */
  async read(type: string, id: string): Promise<Resource | undefined> {
    const key = `${type}/${id}`;
    const pending = this.own.get(key) ?? this.client.get(key);
    if (pending) return pending.next.resource;
    const stored = await this.storedVersion(type, id);
    return stored?.operation !== 'delete' ? stored?.resource : undefined;
  }

  private storedVersion(type: string, id: string): Promise<StoredVersion | undefined> {
    const key = `${type}/${id}`;
    let pending = this.stored.get(key);
    if (!pending) {
      pending = this.store.readCurrent(type, id);
      this.stored.set(key, pending);
    }
    return pending;
  }

  /**
   * Writes `resource` as samvard's change (replacing an earlier one of this commit), or into
   * the client's change. `fresh`: a resource samvard creates now (no stored version to read).
   */
  private async put(resource: Resource, guards?: GuardItem[], fresh = false): Promise<StoredVersion> {
    const key = `${resource.resourceType}/${resource.id}`;
    const clients = this.client.get(key);
    if (clients?.next.resource) {
      // The client writes this resource in the same commit: samvard's addition goes into it.
      Object.assign(clients.next.resource, { ...resource, meta: clients.next.resource.meta });
      return clients.next;
    }
    const earlier = this.own.get(key);
    const previous = earlier || fresh ? earlier?.previous : await this.storedVersion(resource.resourceType, resource.id as string);
    const live = previous && previous.operation !== 'delete' ? previous : undefined;
    const next = buildVersion(this.clock, resource.resourceType, resource.id as string, resource, previous, live ? 'update' : 'create');
    const change: Change = { next, previous, maintained: true };
    const allGuards = [...(earlier?.guards ?? []), ...(guards ?? [])];
    if (allGuards.length > 0) change.guards = allGuards;
    this.own.set(key, change);
    return next;
  }

  // ---- CareTeam ------------------------------------------------------------------------

  private refuseMaintainedTeam(change: Change): void {
    const previous = change.previous?.operation !== 'delete' ? change.previous?.resource : undefined;
    if (hasTag(previous, TAG.maintainedCareTeam) || hasTag(change.next.resource, TAG.maintainedCareTeam)) {
      throw workflowError(
        'maintained-care-team',
        `CareTeam/${change.next.id} is maintained by samvard from the HSL-uppdrag Tasks of its CarePlan; ` +
          'clients do not create, change or delete it. Change the Tasks instead (docs/workflow.md)',
      );
    }
  }

  // ---- Task ----------------------------------------------------------------------------

  private async planTask(change: Change): Promise<void> {
    const ref = `Task/${change.next.id}`;
    const prev = change.previous?.operation !== 'delete' ? (change.previous?.resource as Task | undefined) : undefined;
    const next = change.next.resource as Task | undefined;
    if (!next) {
      // A deleted Task holds no one in the team any longer.
      if (prev && ACTIVE_STATUSES.has(prev.status)) await this.leave(prev, ref, change, undefined, 'deleted');
      return;
    }
    const parties = this.caller ? await partyOf(this.caller, prev ?? next, this.directory) : undefined;
    const transition = checkTransition(prev?.status, next, parties);
    if (prev) keepImmutables(prev, next);

    const from: TaskStatus | undefined = prev?.status;
    if (!prev || joinsTeam(from, next.status)) {
      // A new Task is linked to its plan (one that joins the team needs one), its focus the request.
      const request = (next.basedOn ?? []).find((r) => keyOf(r)?.startsWith('ServiceRequest/'));
      if (!next.focus && request) next.focus = { reference: keyOf(request) as string };
      if (!planOf(next) && !(await this.linkPlan(next, ref, change, transition))) return;
    }
    if (joinsTeam(from, next.status)) {
      await this.join(next, ref, change, transition);
    } else if (prev && ACTIVE_STATUSES.has(prev.status) && !ACTIVE_STATUSES.has(next.status)) {
      await this.leave(prev, ref, change, transition, next.status);
    } else if (!prev) {
      // The plan of a new Task must be usable (a plan named by the client is checked here).
      await this.teamOf(planOf(next) as string, next, ref, change, transition, true);
    }
  }

  /**
   * Finds the plan for a Task that names none and links the Task to it (`basedOn`): the
   * plan the vårdbegäran is based on, else the plan samvard created for the vårdbegäran,
   * else a new one. Undefined when the Task has no patient
   * or no vårdbegäran (then no plan and no care team).
   */
  private async linkPlan(task: Task, ref: string, change: Change, transition: Transition | undefined): Promise<string | undefined> {
    const patient = keyOf(task.for);
    const request = (task.basedOn ?? []).map(keyOf).find((k) => k?.startsWith('ServiceRequest/'));
    if (!patient?.startsWith('Patient/') || !request) return undefined;

    let planId = this.planForRequest.get(request);
    if (!planId) {
      const sr = (await this.read('ServiceRequest', request.slice('ServiceRequest/'.length))) as ServiceRequest | undefined;
      const named = (sr?.basedOn ?? []).map(keyOf).find((k) => k?.startsWith('CarePlan/'));
      if (named && (await this.usablePlan(named.slice('CarePlan/'.length), patient))) planId = named.slice('CarePlan/'.length);
    }
    const guard = { pk: `wf#careplan#${request}`, sk: 'guard' };
    let staleTarget: string | undefined;
    if (!planId) {
      const target = await this.store.readGuard(guard.pk, guard.sk);
      if (target && (await this.usablePlan(target.slice('CarePlan/'.length), patient))) planId = target.slice('CarePlan/'.length);
      else staleTarget = target;
    }
    if (!planId) {
      planId = await this.createPlan(task, ref, request, change, transition, {
        ...guard,
        attributes: {},
        ...(staleTarget ? { expectedTarget: staleTarget } : {}),
      });
    }
    this.planForRequest.set(request, planId);
    task.basedOn = [...(task.basedOn ?? []), { reference: `CarePlan/${planId}` }];
    return planId;
  }

  private async usablePlan(id: string, patient: string): Promise<CarePlan | undefined> {
    const plan = (await this.read('CarePlan', id)) as CarePlan | undefined;
    return plan && keyOf(plan.subject) === patient && USABLE_PLAN_STATUSES.has(plan.status) ? plan : undefined;
  }

  /** A plan (and its team) for a vårdbegäran that has none, guarded so racing Tasks share one. */
  private async createPlan(
    task: Task,
    ref: string,
    request: string,
    change: Change,
    transition: Transition | undefined,
    guard: GuardItem,
  ): Promise<string> {
    const planId = randomUUID();
    const teamId = randomUUID();
    const plan: CarePlan = {
      resourceType: 'CarePlan',
      id: planId,
      meta: { profile: [CAREPLAN_PROFILE], tag: [tagCoding(TAG.createdForTask)] },
      status: 'active',
      intent: 'plan',
      category: [{ coding: [{ system: CARE_PLAN_TYPE_SYSTEM, code: 'VP', display: 'Vårdplan' }] }],
      title: 'HSL-insatser enligt vårdbegäran',
      description: `Skapad av samvard för ${ref}, som saknade plan; planen för vårdbegäran ${request}.`,
      subject: task.for as CarePlan['subject'],
      period: { start: this.now },
      author: task.requester as CarePlan['author'],
      careTeam: [{ reference: `CareTeam/${teamId}` }],
      supportingInfo: [{ reference: request }],
      activity: [
        {
          detail: {
            kind: 'Task',
            ...(task.code ? { code: task.code } : {}),
            status: 'not-started',
            description: task.description ?? `HSL-uppdrag ${ref}`,
            performer: [task.owner as NonNullable<Task['owner']>],
          },
        },
      ],
    };
    const planVersion = await this.put(plan, [{ ...guard, attributes: { target: { S: `CarePlan/${planId}` } } }], true);
    const author = await this.memberOf(plan.author);
    const team = newCareTeam({ id: teamId, patient: plan.subject, author: author ?? { unit: plan.author as Reference }, plan: `CarePlan/${planId}`, now: this.now });
    const teamVersion = await this.put(team, undefined, true);
    await this.recordProvenance({
      team: teamVersion,
      plan: planVersion,
      task: change,
      transition,
      text: `samvard created CarePlan/${planId} and its care team (the patient and the plan's author) for ${ref}, which had no plan`,
      created: true,
    });
    return planId;
  }

  /**
   * The maintained team of a plan, created (and added to `CarePlan.careTeam`) when the
   * plan has none. `check`: refuse a plan that is not usable for this Task (409).
   */
  private async teamOf(
    planId: string,
    task: Task,
    ref: string,
    change: Change,
    transition: Transition | undefined,
    check: boolean,
  ): Promise<PlanAndTeam | undefined> {
    const patient = keyOf(task.for) ?? '';
    const plan = check ? await this.usablePlan(planId, patient) : ((await this.read('CarePlan', planId)) as CarePlan | undefined);
    if (!plan) {
      if (!check) return undefined;
      throw workflowError(
        'plan-not-usable',
        `CarePlan/${planId} does not exist, is not for ${patient || 'the Task\'s patient'}, or has ended (status draft, active or on-hold needed)`,
        ['Task.basedOn'],
      );
    }
    for (const teamRef of plan.careTeam ?? []) {
      const key = keyOf(teamRef);
      if (!key?.startsWith('CareTeam/')) continue;
      const team = await this.read('CareTeam', key.slice('CareTeam/'.length));
      if (hasTag(team, TAG.maintainedCareTeam)) return { planId, teamId: team?.id as string };
    }
    // A plan samvard did not create, without a maintained team: samvard adds one.
    const teamId = randomUUID();
    const author = await this.memberOf(plan.author);
    const team = newCareTeam({
      id: teamId,
      patient: plan.subject,
      author: author ?? { unit: plan.author ?? plan.subject },
      plan: `CarePlan/${planId}`,
      now: this.now,
    });
    const planVersion = await this.put({ ...plan, careTeam: [...(plan.careTeam ?? []), { reference: `CareTeam/${teamId}` }] });
    const teamVersion = await this.put(team, undefined, true);
    await this.recordProvenance({
      team: teamVersion,
      plan: planVersion,
      task: change,
      transition,
      text: `samvard added a maintained care team (the patient and the plan's author) to CarePlan/${planId} for ${ref}`,
      created: true,
    });
    return { planId, teamId };
  }

  /** The owner took on the Task: an active participant of the plan's team. */
  private async join(task: Task, ref: string, change: Change, transition: Transition | undefined): Promise<void> {
    const planId = planOf(task);
    if (!planId) return;
    const found = await this.teamOf(planId, task, ref, change, transition, true);
    if (!found) return;
    const owner = await this.memberOf(task.owner);
    if (!owner) return;
    const team = (await this.read('CareTeam', found.teamId)) as CareTeam;
    const joined = joinTeam(team, owner, ref, this.now);
    let result = joined;
    let text = joined.change;
    if (!ACTIVE_STATUSES.has(task.status)) {
      // Taken on and finished at once (requested → completed, …): joins and leaves.
      result = leaveTeam(joined.team, ref, this.now);
      text = joined.change && result.change ? `${joined.change}; ${result.change}` : (joined.change ?? result.change);
    }
    if (!text) return;
    const teamVersion = await this.put(withSipClaim(result.team));
    await this.recordProvenance({ team: teamVersion, task: change, transition, text: `${ref} ${task.status}: ${text}` });
  }

  /** The Task no longer holds its owner active. */
  private async leave(task: Task, ref: string, change: Change, transition: Transition | undefined, how: string): Promise<void> {
    const planId = planOf(task);
    if (!planId) return;
    const found = await this.teamOf(planId, task, ref, change, transition, false);
    if (!found) return;
    const team = (await this.read('CareTeam', found.teamId)) as CareTeam;
    const left = leaveTeam(team, ref, this.now);
    if (!left.change) return;
    const teamVersion = await this.put(withSipClaim(left.team));
    await this.recordProvenance({ team: teamVersion, task: change, transition, text: `${ref} ${how}: ${left.change}` });
  }

  private async memberOf(ref: Reference | undefined): Promise<TeamMember | undefined> {
    const found = await this.directory.unitOf(ref);
    return found ? { unit: found.unit } : undefined;
  }

  // ---- Provenance -------------------------------------------------------------------------

  /**
   * Who changed the team (the caller, on behalf of its unit), triggered by which Task
   * version, and samvard as the assembler that made the change.
   */
  private async recordProvenance(args: {
    team: StoredVersion;
    plan?: StoredVersion;
    task: Change;
    transition: Transition | undefined;
    text: string;
    created?: boolean;
  }): Promise<void> {
    const target: Reference[] = [{ reference: `CareTeam/${args.team.id}/_history/${args.team.version}` }];
    if (args.plan) target.push({ reference: `CarePlan/${args.plan.id}/_history/${args.plan.version}` });
    const provenance: Provenance = {
      resourceType: 'Provenance',
      id: randomUUID(),
      target,
      recorded: this.now,
      activity: {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation',
            code: args.created ? 'CREATE' : 'UPDATE',
            display: args.created ? 'create' : 'revise',
          },
        ],
      },
      reason: [{ text: args.text }],
      agent: [await this.callerAgent(args.task, args.transition), SAMVARD_AGENT],
      entity: [{ role: 'source', what: { reference: `Task/${args.task.next.id}/_history/${args.task.next.version}` } }],
    };
    await this.put(provenance, undefined, true);
  }

  private async callerAgent(task: Change, transition: Transition | undefined): Promise<ProvenanceAgent> {
    const type = {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: 'performer', display: 'Performer' }],
    };
    const caller = this.caller;
    if (!caller) {
      // Authentication off: who is unknown; the unit is the party the table names, if only one may act.
      const resource = (task.next.resource ?? task.previous?.resource) as Task | undefined;
      const party: Party | undefined = transition?.by.length === 1 ? transition.by[0] : undefined;
      const unit = party && resource ? (await this.memberOf(resource[party]))?.unit : undefined;
      return {
        type,
        who: { display: 'Unauthenticated client (authentication off)' },
        ...(unit ? { onBehalfOf: unit as ProvenanceAgent['onBehalfOf'] } : {}),
      };
    }
    let unit: Reference | undefined = caller.organization;
    if (!unit && caller.careUnit) {
      unit = (await this.directory.unitOf({ identifier: { system: HSA_SYSTEM, value: caller.careUnit } }))?.unit;
    }
    const who: ProvenanceAgent['who'] = caller.professional
      ? { type: 'Practitioner', identifier: { system: HSA_SYSTEM, value: caller.professional } }
      : caller.patient
        ? { reference: `Patient/${caller.patient}` }
        : {
            type: 'Device',
            identifier: { system: OAUTH_CLIENT_SYSTEM, value: caller.clientId ?? 'unknown' },
            display: `OAuth client ${caller.clientId ?? 'unknown'}`,
          };
    return { type, who, ...(unit ? { onBehalfOf: unit as ProvenanceAgent['onBehalfOf'] } : {}) };
  }
}

const SAMVARD_AGENT: ProvenanceAgent = {
  type: {
    coding: [{ system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: 'assembler', display: 'Assembler' }],
  },
  who: { display: 'samvard workflow broker' },
};

/** The id of the CarePlan a Task is based on, if any. */
export function planOf(task: Task): string | undefined {
  return (task.basedOn ?? []).map(keyOf).find((k) => k?.startsWith('CarePlan/'))?.slice('CarePlan/'.length);
}

const refKey = (ref: Reference | undefined): string =>
  ref ? (keyOf(ref) ?? `${ref.identifier?.system ?? ''}|${ref.identifier?.value ?? ''}|${ref.display ?? ''}`) : '';

/**
 * What does not change once the Task exists: its patient, requester, the requests it is
 * based on, its plan and focus (carried over when an update leaves them out), and its
 * owner once taken on. Throws a 409 naming the rule.
 */
function keepImmutables(prev: Task, next: Task): void {
  const same = (a: Reference | undefined, b: Reference | undefined) => refKey(a) === refKey(b);
  if (!same(prev.for, next.for)) throw workflowError('immutable', 'the Task\'s patient (for) does not change', ['Task.for']);
  if (!same(prev.requester, next.requester)) throw workflowError('immutable', 'the Task\'s requester does not change', ['Task.requester']);
  const requests = (t: Task) =>
    (t.basedOn ?? []).filter((r) => !keyOf(r)?.startsWith('CarePlan/')).map(refKey).sort().join('\n');
  if (requests(prev) !== requests(next)) {
    throw workflowError('immutable', 'the requests a Task is based on (basedOn) do not change', ['Task.basedOn']);
  }
  const plan = planOf(prev);
  const nextPlan = planOf(next);
  if (plan && nextPlan && nextPlan !== plan) throw workflowError('immutable', `the Task's plan is CarePlan/${plan}`, ['Task.basedOn']);
  if (plan && !nextPlan) next.basedOn = [...(next.basedOn ?? []), { reference: `CarePlan/${plan}` }];
  if (prev.focus && !next.focus) next.focus = prev.focus;
  else if (prev.focus && !same(prev.focus, next.focus)) throw workflowError('immutable', 'the Task\'s focus does not change', ['Task.focus']);
  if (!same(prev.owner, next.owner)) {
    const open = prev.status === 'requested' || prev.status === 'received' || prev.status === 'ready';
    if (!open || next.status !== prev.status) {
      throw workflowError(
        'owner-fixed',
        'the owner changes only on its own, while the Task is requested, received or ready (before anyone took it on)',
        ['Task.owner'],
      );
    }
  }
}
