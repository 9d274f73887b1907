/**
 * Applies the access rules (rules.ts) to every read and write of one request.
 *
 * {@link RequestAccess} hands the FHIR core a view of the ResourceStore that never
 * returns what the caller may not read and refuses what it may not write. Every path
 * that returns data reads through the store's `readCurrent`, `readVersion`,
 * `readCurrentMany`, `instanceHistory` and `typeHistory`, and every write goes through
 * `writeVersion` or `commit` (transactions, conditional writes), so read, vread, history,
 * search (the executor fetches candidates with `readCurrentMany` and keeps reading until
 * a page is full, so paging and totals count only what the caller sees), chained
 * parameters and `_has` (their inner searches run on the same store), `_include`,
 * `_revinclude` and `$everything` are all covered by the same decision, without each
 * interaction knowing about it. Index queries return ids only and are not filtered.
 *
 * A hidden resource is indistinguishable from one that does not exist: read gives 404,
 * search leaves it out. Writes are checked against the current version (a hidden one
 * answers 404; one the caller may read but not change, 403) and stamped with the
 * caller's provider and unit (documentation.ts).
 *
 * The view also keeps a journal of what the request touched, per patient, from which
 * the access log is written (audit.ts).
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Caller } from '../auth/caller.ts';
import { canSeeType, hasPermission } from '../auth/scopes.ts';
import { OperationOutcomeError, forbidden, notFound } from '../core/outcomes.ts';
import type { Change, GuardItem, HistoryPage, ResourceStore, StoredVersion } from '../store/resource-store.ts';
import { type AuditLog, type Interaction, auditEvents } from './audit.ts';
import { stamp } from './documentation.ts';
import { HsaResolver, isPatientDataType, loadPatientFacts, patientOf, resourceFacts } from './facts.ts';
import {
  type Decision,
  NO_FACTS,
  type PatientFacts,
  type ResourceFacts,
  type Rule,
  decideChange,
  decideCreate,
  decideRead,
  needsPatientFacts,
} from './rules.ts';

/** Where and as what a request's writes are logged (with the write, see audit.ts). */
export interface WriteAudit {
  log: AuditLog;
  interaction: Interaction;
  /** Path and query of the request. */
  url: string;
}

/** What one request did to one patient's record. */
export interface PatientAccess {
  patient: string;
  /** `Type/id` of what the caller was shown. */
  shown: Set<string>;
  /** `Type/id` of what was withheld from the caller. */
  withheld: Set<string>;
  /** `Type/id` of what the caller wrote. */
  written: Set<string>;
  /** The rules that decided, for the log. */
  rules: Set<Rule>;
  /** Something was shown only because of emergency access. */
  emergencyUsed: boolean;
}

export class RequestAccess {
  /** The store as this caller may see it: pass it to the FHIR core as `ctx.store`. */
  readonly store: ResourceStore;
  readonly journal = new Map<string, PatientAccess>();
  private readonly resolver: HsaResolver;
  private readonly facts = new Map<string, Promise<PatientFacts>>();
  /** Resources withheld in this request: a write to one of them answers 404. */
  private readonly hidden = new Set<string>();
  /** Per patient, the writes whose AuditEvent was committed with them. */
  private readonly loggedWrites = new Map<string, Set<string>>();
  private pendingAtomic = new Map<string, { refs: Set<string> }>();

  /**
   * @param primaryTypes the types the request is about whose scopes were already
   * checked for its interaction (e.g. Patient for `PUT Patient/x` with `u`); other types
   * (includes, chain targets, `$everything`'s) are shown only with an `r` or `s` scope.
   */
  constructor(
    private readonly inner: ResourceStore,
    readonly caller: Caller,
    private readonly now: () => Date = () => new Date(),
    private readonly primaryTypes: ReadonlySet<string> = new Set(),
    /** When given, each write's AuditEvents are committed with the write itself. */
    private readonly writeAudit?: WriteAudit,
  ) {
    this.resolver = new HsaResolver(inner);
    this.store = this.guardedStore();
  }

  /** The read decision for a resource (also records it in the journal). */
  async canRead(resource: Resource): Promise<boolean> {
    const facts = await resourceFacts(resource, this.resolver);
    const decision = await this.decide(facts, (f, p) => decideRead(this.caller, f, p, this.now()));
    this.record(resource, facts, decision);
    return decision.allow;
  }

  /** Notes a patient the request was about even if nothing of theirs was read (e.g. an empty search). */
  notePatient(patient: string): PatientAccess {
    let entry = this.journal.get(patient);
    if (!entry) {
      entry = {
        patient,
        shown: new Set(),
        withheld: new Set(),
        written: new Set(),
        rules: new Set(),
        emergencyUsed: false,
      };
      this.journal.set(patient, entry);
    }
    return entry;
  }

  private async decide(
    facts: ResourceFacts,
    rule: (facts: ResourceFacts, patient: PatientFacts) => Decision,
  ): Promise<Decision> {
    const patient = needsPatientFacts(this.caller, facts) ? await this.patientFacts(facts.patient as string) : NO_FACTS;
    return rule(facts, patient);
  }

  private patientFacts(patient: string): Promise<PatientFacts> {
    let pending = this.facts.get(patient);
    if (!pending) {
      pending = loadPatientFacts(this.inner, patient, this.resolver);
      this.facts.set(patient, pending);
    }
    return pending;
  }

  private record(resource: Resource, facts: ResourceFacts, decision: Decision): void {
    const ref = `${resource.resourceType}/${resource.id}`;
    if (!decision.allow) this.hidden.add(ref);
    if (!facts.patientData || facts.patient === undefined) return;
    const entry = this.notePatient(facts.patient);
    (decision.allow ? entry.shown : entry.withheld).add(ref);
    entry.rules.add(decision.rule);
    if (decision.emergency) entry.emergencyUsed = true;
  }

  /** Whether one stored version may be shown: scopes first (see the constructor), then the rules. */
  private async visible(version: StoredVersion): Promise<boolean> {
    if (!this.primaryTypes.has(version.type) && !canSeeType(this.caller, version.type)) return false;
    const resource = version.resource ?? (await this.previousContent(version));
    // A deletion of something whose content is gone entirely reveals nothing but an id.
    if (!resource) return true;
    return this.canRead(resource);
  }

  /** A deletion carries no content: decide on the version before it. */
  private async previousContent(version: StoredVersion): Promise<Resource | undefined> {
    if (version.resource || version.version <= 1) return version.resource;
    return (await this.inner.readVersion(version.type, version.id, version.version - 1))?.resource;
  }

  private async filter(versions: StoredVersion[]): Promise<StoredVersion[]> {
    const keep = await Promise.all(versions.map((v) => this.visible(v)));
    return versions.filter((_, i) => keep[i]);
  }

  /** Checks a write and stamps its new version; returns the rule that allowed it. */
  private async checkWrite(next: StoredVersion, previous: StoredVersion | undefined): Promise<Rule> {
    const ref = `${next.type}/${next.id}`;
    if (this.hidden.has(ref)) throw new OperationOutcomeError(notFound(`${ref} not found`));
    const permission = next.operation === 'delete' ? 'd' : next.operation === 'update' ? 'u' : undefined;
    const allowedByScope = permission
      ? hasPermission(this.caller, permission, next.type)
      : hasPermission(this.caller, 'c', next.type) || hasPermission(this.caller, 'u', next.type);
    if (!allowedByScope) {
      throw new OperationOutcomeError(forbidden(`The access token's scopes do not allow writing ${next.type}`));
    }
    const current = previous?.resource;
    let rule: Rule | undefined;
    if (current) {
      const facts = await resourceFacts(current, this.resolver);
      const action = next.operation === 'delete' ? 'delete' : 'update';
      const decision = await this.decide(facts, (f, p) => decideChange(this.caller, action, f, p, this.now()));
      rule = decision.rule;
      if (!decision.allow) {
        const read = await this.decide(facts, (f, p) => decideRead(this.caller, f, p, this.now()));
        if (!read.allow) throw new OperationOutcomeError(notFound(`${ref} not found`));
        throw new OperationOutcomeError(forbidden(changeRefusal(decision.rule, ref)));
      }
    }
    if (next.resource) {
      // The stored version: stamped with who documented it and who wrote this version.
      next.resource = stamp(next.resource, this.caller, current);
      const facts = await resourceFacts(next.resource, this.resolver);
      const decision = decideCreate(this.caller, facts);
      if (!decision.allow) {
        throw new OperationOutcomeError(
          forbidden(
            decision.rule === 'append-only'
              ? 'AuditEvents are written by samvard only'
              : 'A patient writes only about themselves',
          ),
        );
      }
      rule ??= decision.rule;
    }
    return rule ?? 'own-documentation';
  }

  /**
   * Adds to the changes the AuditEvents of their writes, one per patient, as guard
   * items of the first change about that patient: the store commits them with the
   * writes or not at all.
   */
  private withAuditItems(checked: { change: Change; rule: Rule }[], all: Change[]): Change[] {
    if (!this.writeAudit) return all;
    const byPatient = new Map<string, { first: Change; refs: Set<string>; rules: Set<Rule> }>();
    for (const { change, rule } of checked) {
      const resource = change.next.resource ?? change.previous?.resource;
      const patient = resource && isPatientDataType(change.next.type) ? patientOf(resource) : undefined;
      if (!patient) continue;
      const entry = byPatient.get(patient) ?? { first: change, refs: new Set<string>(), rules: new Set<Rule>() };
      entry.refs.add(`${change.next.type}/${change.next.id}`);
      entry.rules.add(rule);
      byPatient.set(patient, entry);
    }
    const extra = new Map<Change, GuardItem[]>();
    for (const [patient, { first, refs, rules }] of byPatient) {
      const [event] = auditEvents(
        {
          caller: this.caller,
          interaction: this.writeAudit.interaction,
          url: this.writeAudit.url,
          status: first.next.operation === 'create' ? 201 : 200,
          recorded: this.now(),
        },
        [{ patient, shown: new Set(), withheld: new Set(), written: refs, rules, emergencyUsed: false }],
      );
      if (event) extra.set(first, [...(extra.get(first) ?? []), ...this.writeAudit.log.guardItems(event)]);
    }
    this.pendingAtomic = byPatient;
    return all.map((change) => {
      const guards = extra.get(change);
      return guards ? { ...change, guards: [...(change.guards ?? []), ...guards] } : change;
    });
  }

  /** Marks the patients whose write was logged with the commit that just succeeded. */
  private committed(): void {
    for (const [patient, { refs }] of this.pendingAtomic) {
      const logged = this.loggedWrites.get(patient) ?? new Set<string>();
      for (const ref of refs) logged.add(ref);
      this.loggedWrites.set(patient, logged);
    }
    this.pendingAtomic = new Map();
  }

  /**
   * What is left to log after the request: the journal without the patients whose
   * accesses were all writes already logged with their commit.
   */
  unloggedAccesses(): PatientAccess[] {
    return [...this.journal.values()].filter((access) => {
      const logged = this.loggedWrites.get(access.patient);
      if (!logged) return true;
      const touched = [...access.shown, ...access.withheld, ...access.written];
      return touched.some((ref) => !logged.has(ref));
    });
  }

  private recordWrite(next: StoredVersion, previous: StoredVersion | undefined): void {
    const resource = next.resource ?? previous?.resource;
    if (!resource) return;
    const ref = `${next.type}/${next.id}`;
    this.hidden.delete(ref);
    for (const patient of new Set([next.resource, previous?.resource].map((r) => (r ? patientOf(r) : undefined)))) {
      if (patient) this.notePatient(patient).written.add(ref);
    }
  }

  private guardedStore(): ResourceStore {
    const inner = this.inner;
    // A view that inherits everything from the store (its client, table, index queries)
    // and replaces the methods that return resources or write them.
    const view = Object.create(inner) as ResourceStore;
    const self = this;
    Object.assign(view, {
      async readCurrent(type: string, id: string): Promise<StoredVersion | undefined> {
        const found = await inner.readCurrent(type, id);
        return found && (await self.visible(found)) ? found : undefined;
      },
      async readVersion(type: string, id: string, version: number): Promise<StoredVersion | undefined> {
        const found = await inner.readVersion(type, id, version);
        return found && (await self.visible(found)) ? found : undefined;
      },
      async readCurrentMany(refs: { type: string; id: string }[]): Promise<StoredVersion[]> {
        return self.filter(await inner.readCurrentMany(refs));
      },
      async instanceHistory(...args: Parameters<ResourceStore['instanceHistory']>): Promise<HistoryPage> {
        const page = await inner.instanceHistory(...args);
        return { ...page, versions: await self.filter(page.versions) };
      },
      async typeHistory(...args: Parameters<ResourceStore['typeHistory']>): Promise<HistoryPage> {
        const page = await inner.typeHistory(...args);
        return { ...page, versions: await self.filter(page.versions) };
      },
      async writeVersion(next: StoredVersion, previous: StoredVersion | undefined): Promise<void> {
        const change: Change = { next, previous };
        const rule = await self.checkWrite(next, previous);
        await inner.commit(self.withAuditItems([{ change, rule }], [change]));
        self.committed();
        self.recordWrite(next, previous);
      },
      // Transactions and conditional writes: every change checked and stamped, then all or none written.
      async commit(changes: Change[]): Promise<void> {
        // `maintained`: samvard's own consequence of the client's writes (the workflow broker's
        // care team, plan and Provenance, functions/core/workflow/), not the caller's to check.
        const checked: { change: Change; rule: Rule }[] = [];
        for (const change of changes) {
          const maintained = (change as Change & { maintained?: boolean }).maintained === true;
          if (!maintained) checked.push({ change, rule: await self.checkWrite(change.next, change.previous) });
        }
        await inner.commit(self.withAuditItems(checked, changes));
        self.committed();
        for (const change of changes) self.recordWrite(change.next, change.previous);
      },
    } satisfies Partial<ResourceStore>);
    return view;
  }
}

function changeRefusal(rule: Rule, ref: string): string {
  switch (rule) {
    case 'patient-lifts-block':
      return `${ref} is a block (spärr); only the patient changes or lifts it`;
    case 'append-only':
      return 'AuditEvents are written by samvard only';
    default:
      return `${ref} is another care provider's documentation: it may be read but not changed`;
  }
}
