/**
 * `riv.getcareplans.v2` → per `carePlan`: a CarePlan (samvard-careplan) with its category
 * from `typeOfCarePlanEnum`, its participants as a CareTeam (samvard-sip-careteam), and the
 * content kept as an attachment.
 */
import type { CarePlan, CareTeam, CareTeamParticipant, Extension } from '@medplum/fhirtypes';
import { BundleBuilder, type EntryRef, type MappedBundle, identifierCriteria } from '../common/bundle-builder.ts';
import { CARE_PLAN_TYPES, codeSystemUrl, profileUrl } from '../common/codes.ts';
import { documentIdentifier } from '../common/fhir.ts';
import { type GetCarePlansDoc, rivTime } from './schema.ts';

export const RIV_CAREPLAN_KIND = 'riv-careplan';
/** The plan's content as an Attachment (text/plain or text/html, base64). */
export const CONTENT_URL = profileUrl('careplan-content');
/** RIV-TA `approvedForPatient`: whether the patient may see the plan (e.g. in 1177). */
export const APPROVED_FOR_PATIENT_URL = profileUrl('approved-for-patient');

type RivCarePlan = GetCarePlansDoc['GetCarePlansResponse']['carePlan'][number];

export function mapGetCarePlans(doc: GetCarePlansDoc): MappedBundle {
  const b = new BundleBuilder();
  doc.GetCarePlansResponse.carePlan.forEach((plan, i) => mapCarePlan(b, plan, `GetCarePlansResponse.carePlan[${i}]`));
  return b.build();
}

function mapCarePlan(b: BundleBuilder, plan: RivCarePlan, path: string): void {
  const header = plan.carePlanHeader;
  const body = plan.carePlanBody;
  const headerPath = `${path}.carePlanHeader`;
  const subject = b.patient({ personId: header.patientId.id }, `${headerPath}.patientId`);
  const time = rivTime(header.documentTime) as string;

  const who = header.accountableHealthcareProfessional;
  const whoPath = `${headerPath}.accountableHealthcareProfessional`;
  const unitHsa = who.healthcareProfessionalOrgUnit?.orgUnitHSAId ?? who.healthcareProfessionalCareUnitHSAId;
  const unit = unitHsa
    ? b.organizationByHsaId(unitHsa, who.healthcareProfessionalOrgUnit?.orgUnitName, `${whoPath}.healthcareProfessionalOrgUnit`)
    : undefined;
  const role = who.healthcareProfessionalRoleCode?.displayName ?? who.healthcareProfessionalRoleCode?.originalText;
  let author: EntryRef;
  const participant: CareTeamParticipant[] = [];
  if (who.healthcareProfessionalHSAId) {
    const professional = { hsaId: who.healthcareProfessionalHSAId, ...(who.healthcareProfessionalName ? { name: who.healthcareProfessionalName } : {}), ...(role ? { role } : {}) };
    const person = b.practitioner(professional, `${whoPath}.healthcareProfessionalHSAId`);
    author = person;
    if (unit && unitHsa) {
      author = b.practitionerRole(professional, { hsaId: unitHsa, name: who.healthcareProfessionalOrgUnit?.orgUnitName ?? unitHsa }, 'region', {
        professional: `${whoPath}.healthcareProfessionalHSAId`,
        unit: `${whoPath}.healthcareProfessionalOrgUnit`,
      });
    }
    participant.push({
      role: [{ text: role ?? 'Ansvarig hälso- och sjukvårdspersonal' }],
      member: { ...person, ...(who.healthcareProfessionalName ? { display: who.healthcareProfessionalName } : {}) },
      ...(unit ? { onBehalfOf: unit } : {}),
    });
  } else {
    author = unit as EntryRef;
    participant.push({ role: [{ text: 'Ansvarig enhet' }], member: unit as EntryRef });
  }
  const participating = (body.participatingCareUnitHSAId ?? [])
    .filter((hsa, j, all) => all.indexOf(hsa) === j)
    .map((hsa) => ({ hsa, ref: b.organizationByHsaId(hsa, undefined, `${path}.carePlanBody.participatingCareUnitHSAId`) }));
  for (const p of participating) {
    if (p.hsa !== unitHsa) participant.push({ role: [{ text: 'Deltagande vårdenhet' }], member: p.ref });
  }

  const identifier = documentIdentifier(RIV_CAREPLAN_KIND, header.sourceSystemHSAId, header.documentId);
  const nullified = header.nullified === 'true';
  const team: CareTeam = {
    resourceType: 'CareTeam',
    meta: { profile: [profileUrl('samvard-sip-careteam')] },
    identifier: [identifier],
    status: nullified ? 'entered-in-error' : 'active',
    name: header.documentTitle,
    subject,
    participant,
  };
  const teamRef = b.upsert(`CareTeam|${identifier.system}|${identifier.value}`, team, identifierCriteria(identifier), {
    path: `${path}.carePlanBody.participatingCareUnitHSAId`,
    fields: { 'CareTeam.subject': `${headerPath}.patientId` },
    rules: { 'samvard-careteam-1': `${path}.carePlanBody.participatingCareUnitHSAId` },
  });

  const performers = participating.length > 0 ? participating.map((p) => p.ref) : [unit ?? author];
  const isHtml = /^\s*</.test(body.content);
  const extension: Extension[] = [
    {
      url: CONTENT_URL,
      valueAttachment: {
        contentType: isHtml ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8',
        data: Buffer.from(body.content, 'utf8').toString('base64'),
        title: header.documentTitle,
        creation: time,
      },
    },
    { url: APPROVED_FOR_PATIENT_URL, valueBoolean: header.approvedForPatient === 'true' },
  ];
  const carePlan: CarePlan = {
    resourceType: 'CarePlan',
    meta: { profile: [profileUrl('samvard-careplan')] },
    extension,
    identifier: [identifier],
    status: nullified ? 'entered-in-error' : 'active',
    intent: 'plan',
    category: [
      {
        coding: [{ system: codeSystemUrl('care-plan-type'), code: body.typeOfCarePlanEnum, display: CARE_PLAN_TYPES[body.typeOfCarePlanEnum] }],
      },
    ],
    title: header.documentTitle,
    subject,
    period: { start: time },
    created: time,
    author,
    careTeam: [teamRef],
    activity: [
      {
        detail: {
          status: 'unknown',
          description: 'Insatser enligt planens innehåll (bifogat). / Activities as in the plan\'s content (attached).',
          performer: performers,
        },
      },
    ],
    ...(nullified && header.nullifiedReason ? { note: [{ text: `Makulerad: ${header.nullifiedReason}` }] } : {}),
  };
  b.upsert(`CarePlan|${identifier.system}|${identifier.value}`, carePlan, identifierCriteria(identifier), {
    path,
    fields: {
      'CarePlan.category': `${path}.carePlanBody.typeOfCarePlanEnum`,
      'CarePlan.title': `${headerPath}.documentTitle`,
      'CarePlan.subject': `${headerPath}.patientId`,
      'CarePlan.period': `${headerPath}.documentTime`,
      'CarePlan.created': `${headerPath}.documentTime`,
      'CarePlan.author': `${headerPath}.accountableHealthcareProfessional`,
      'CarePlan.careTeam': `${path}.carePlanBody.participatingCareUnitHSAId`,
      'CarePlan.activity': `${path}.carePlanBody.participatingCareUnitHSAId`,
      'CarePlan.extension': `${path}.carePlanBody.content`,
    },
  });
}
