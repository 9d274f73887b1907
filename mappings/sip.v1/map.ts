/**
 * `sip.v1` → CarePlan (samvard-careplan, category SIP) with its CareTeam
 * (samvard-sip-careteam), the goals in the plan's description and as the reasons of the
 * activities that serve them, and the next follow-up as a scheduled activity of the whole
 * team.
 */
import type { CarePlan, CarePlanActivity, CareTeam, CareTeamParticipant } from '@medplum/fhirtypes';
import { BundleBuilder, type EntryRef, type MappedBundle, identifierCriteria } from '../common/bundle-builder.ts';
import { CARE_PLAN_TYPES, codeSystemUrl, profileUrl } from '../common/codes.ts';
import { documentIdentifier, hslKind } from '../common/fhir.ts';
import type { SipDoc } from './schema.ts';

export const SIP_KIND = 'sip';

export function mapSip(doc: SipDoc): MappedBundle {
  const b = new BundleBuilder();
  const subject = b.patient(doc.patient, 'patient');
  const author = doc.author.professional
    ? b.practitionerRole(doc.author.professional, doc.author.unit, doc.author.unit.kind, { professional: 'author.professional', unit: 'author.unit' })
    : b.organization(doc.author.unit, doc.author.unit.kind, 'author.unit');

  const units = new Map<string, EntryRef>();
  const people = new Map<string, EntryRef>();
  const participant: CareTeamParticipant[] = doc.participants.map((p, i) => {
    const unit = b.organization(p.unit, p.unit.kind, `participants[${i}].unit`);
    units.set(p.unit.hsaId, unit);
    if (!p.professional) return { role: [{ text: p.role }], member: { ...unit, display: p.unit.name } };
    const person = b.practitioner(p.professional, `participants[${i}].professional`);
    people.set(`${p.unit.hsaId}|${p.professional.hsaId}`, person);
    return {
      role: [{ text: p.role }],
      member: { ...person, ...(p.professional.name ? { display: p.professional.name } : {}) },
      onBehalfOf: { ...unit, display: p.unit.name },
    };
  });

  const identifier = documentIdentifier(SIP_KIND, doc.sourceSystem, doc.documentId);
  const status = doc.status ?? 'active';
  const team: CareTeam = {
    resourceType: 'CareTeam',
    meta: { profile: [profileUrl('samvard-sip-careteam')] },
    identifier: [identifier],
    status: status === 'completed' || status === 'revoked' ? 'inactive' : status === 'draft' ? 'proposed' : 'active',
    name: doc.title,
    subject,
    period: { start: doc.period.start, ...(doc.period.end ? { end: doc.period.end } : {}) },
    participant,
  };
  const teamRef = b.upsert(`CareTeam|${identifier.system}|${identifier.value}`, team, identifierCriteria(identifier), {
    path: 'participants',
    fields: { 'CareTeam.subject': 'patient', 'CareTeam.name': 'title' },
    rules: { 'samvard-careteam-1': 'participants' },
  });

  // Goals: the plan's description, and each activity's reasons. (Contained Goal resources
  // would be the FHIR way, but samvard's base definitions do not hold Goal; see README.)
  const goals = new Map((doc.goals ?? []).map((g) => [g.id, g]));
  const goalText = (g: { description: string; due?: string }) => `${g.description}${g.due ? ` (senast ${g.due})` : ''}`;
  const description = doc.goals?.length ? `Mål: ${doc.goals.map((g, i) => `${i + 1}) ${goalText(g)}`).join(' ')}` : undefined;

  const activity: CarePlanActivity[] = doc.activities.map((a) => {
    const responsible: EntryRef[] = [units.get(a.responsible.unitHsaId) as EntryRef];
    const person = a.responsible.professionalHsaId ? people.get(`${a.responsible.unitHsaId}|${a.responsible.professionalHsaId}`) : undefined;
    if (person) responsible.push(person);
    return {
      detail: {
        ...(a.kind ? { code: hslKind(a.kind) } : {}),
        ...(a.goals?.length ? { reasonCode: a.goals.map((id) => ({ text: `Mål: ${goalText(goals.get(id) as { description: string })}` })) } : {}),
        status: a.status ?? 'not-started',
        ...(a.start || a.end ? { scheduledPeriod: { ...(a.start ? { start: a.start } : {}), ...(a.end ? { end: a.end } : {}) } } : {}),
        performer: responsible,
        description: a.description,
      },
    };
  });
  if (doc.nextFollowUp) {
    activity.push({
      detail: {
        kind: 'Appointment',
        code: { text: 'Uppföljning av SIP' },
        status: 'scheduled',
        scheduledPeriod: { start: doc.nextFollowUp },
        performer: [teamRef],
        description: 'Uppföljning av planen med alla deltagare. / Follow-up of the plan with all participants.',
      },
    });
  }

  const plan: CarePlan = {
    resourceType: 'CarePlan',
    meta: { profile: [profileUrl('samvard-careplan')] },
    identifier: [identifier],
    status,
    intent: 'plan',
    category: [{ coding: [{ system: codeSystemUrl('care-plan-type'), code: 'SIP', display: CARE_PLAN_TYPES.SIP }] }],
    title: doc.title,
    ...(description ? { description } : {}),
    subject,
    period: { start: doc.period.start, ...(doc.period.end ? { end: doc.period.end } : {}) },
    created: doc.createdAt,
    author,
    careTeam: [teamRef],
    activity,
    ...(doc.note ? { note: [{ text: doc.note }] } : {}),
  };
  b.upsert(`CarePlan|${identifier.system}|${identifier.value}`, plan, identifierCriteria(identifier), {
    path: '',
    fields: {
      'CarePlan.subject': 'patient',
      'CarePlan.author': 'author',
      'CarePlan.activity': 'activities',
      'CarePlan.description': 'goals',
      'CarePlan.period': 'period',
      'CarePlan.created': 'createdAt',
      'CarePlan.title': 'title',
      'CarePlan.status': 'status',
    },
    rules: { 'samvard-careplan-1': 'activities' },
  });
  return b.build();
}
