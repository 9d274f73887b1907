/**
 * `kommun.hsl-uppdrag-status.v1` → a new version of the HSL-uppdrag's Task: a
 * conditional update on its business identifier, pinned to the version read (`ifMatch`),
 * so the Task's history (`_history`) is the status history.
 *
 * | status | Task.status | also |
 * | --- | --- | --- |
 * | accepted | accepted | |
 * | rejected | rejected | `statusReason` (required by the profile) |
 * | started | in-progress | `executionPeriod.start` |
 * | performed | in-progress | `executionPeriod.start` if unset; one occurrence done |
 * | completed | completed | `executionPeriod.end` |
 * | cancelled | cancelled | `statusReason` when given |
 *
 * Every update sets `lastModified` to the document's time and `businessStatus.text` to
 * what happened (in Swedish); a comment becomes a note. Statuses apply in time order: one
 * not newer than the Task's `lastModified` changes nothing (the same document posted
 * again, or an old one arriving late). A change the lifecycle does not allow (anything
 * after completed, rejected or cancelled; performed before accepted) is a 409.
 */
import type { Task } from '@medplum/fhirtypes';

type TaskStatus = Task['status'];
import { BundleBuilder, type MappedBundle, identifierCriteria } from '../common/bundle-builder.ts';
import { documentConflict } from '../common/errors.ts';
import type { Found, Lookup } from '../common/format.ts';
import { uppdragIdentifier } from '../kommun.hsl-uppdrag.v1/map.ts';
import type { HslUppdragStatusDoc } from './schema.ts';

type Event = HslUppdragStatusDoc['status'];

const TASK_STATUS: Record<Event, TaskStatus> = {
  accepted: 'accepted',
  rejected: 'rejected',
  started: 'in-progress',
  performed: 'in-progress',
  completed: 'completed',
  cancelled: 'cancelled',
};

const LABEL: Record<Event, string> = {
  accepted: 'Accepterat',
  rejected: 'Avvisat',
  started: 'Påbörjat',
  performed: 'Utfört',
  completed: 'Avslutat',
  cancelled: 'Avbrutet',
};

/** From which Task statuses each event may come. */
const ALLOWED_FROM: Record<Event, readonly TaskStatus[]> = {
  accepted: ['requested', 'received', 'accepted'],
  rejected: ['requested', 'received'],
  started: ['requested', 'received', 'accepted', 'on-hold', 'in-progress'],
  performed: ['accepted', 'in-progress'],
  completed: ['accepted', 'in-progress'],
  cancelled: ['requested', 'received', 'accepted', 'in-progress', 'on-hold'],
};

export function hslUppdragStatusLookups(doc: HslUppdragStatusDoc): Record<string, Lookup> {
  const identifier = uppdragIdentifier(doc.uppdrag.sourceSystem, doc.uppdrag.documentId);
  return { task: { type: 'Task', criteria: identifierCriteria(identifier), path: 'uppdrag' } };
}

export function mapHslUppdragStatus(doc: HslUppdragStatusDoc, found: Found = {}): MappedBundle {
  const current = found.task as Task | undefined;
  if (!current?.id) {
    throw documentConflict(
      `HSL-uppdraget ${doc.uppdrag.documentId} finns inte i samvard. / The HSL task is not in samvard.`,
      'uppdrag.documentId',
    );
  }
  const identifier = uppdragIdentifier(doc.uppdrag.sourceSystem, doc.uppdrag.documentId);
  const key = `Task|${identifier.system}|${identifier.value}`;
  const source = {
    path: '',
    fields: { 'Task.status': 'status', 'Task.statusReason': 'reason', 'Task.note': 'comment' },
    rules: { 'samvard-task-1': 'reason' },
  };
  const ifMatch = current.meta?.versionId ? `W/"${current.meta.versionId}"` : undefined;
  const { meta: _meta, ...stored } = current;
  const b = new BundleBuilder();

  const stale = current.lastModified !== undefined && Date.parse(doc.time) <= Date.parse(current.lastModified);
  if (stale) {
    // Already applied, or older than what the Task says: the Task as it is (a no-op).
    b.upsert(key, { ...stored, meta: { profile: current.meta?.profile } } as Task, identifierCriteria(identifier), source, ifMatch);
    return b.build();
  }
  if (!ALLOWED_FROM[doc.status].includes(current.status)) {
    throw documentConflict(
      `Uppdraget är ${current.status}; ${doc.status} är inte möjligt därifrån. / The task is ${current.status}; ${doc.status} is not possible from there.`,
      'status',
    );
  }

  const next: Task = {
    ...stored,
    meta: { profile: current.meta?.profile },
    status: TASK_STATUS[doc.status],
    businessStatus: { text: LABEL[doc.status] },
    lastModified: doc.time,
  };
  if (doc.reason) next.statusReason = { text: doc.reason };
  else delete next.statusReason;
  const period = { ...current.executionPeriod };
  if ((doc.status === 'started' || doc.status === 'performed' || doc.status === 'completed') && !period.start) period.start = doc.time;
  if (doc.status === 'completed') period.end = doc.time;
  if (period.start || period.end) next.executionPeriod = period;
  if (doc.comment) next.note = [...(current.note ?? []), { time: doc.time, text: `${LABEL[doc.status]}: ${doc.comment}` }];

  b.upsert(key, next, identifierCriteria(identifier), source, ifMatch);
  return b.build();
}
