/**
 * The decision table of functions/access/rules.ts, row by row, as pure calls: callers ×
 * resources × patient facts (care relationship, consent, spärr, temporary lift,
 * emergency) → allow or deny and the deciding rule.
 */
import { describe, expect, it } from 'vitest';
import type { Caller } from '../../functions/auth/caller.ts';
import { parseScopes } from '../../functions/auth/scopes.ts';
import {
  NO_FACTS,
  type PatientFacts,
  type ResourceFacts,
  covers,
  decideChange,
  decideCreate,
  decideRead,
} from '../../functions/access/rules.ts';

const NOW = new Date('2026-11-22T12:00:00Z');
const REGION = 'SE-REGION';
const VC = 'SE-REGION-VC';
const KOMMUN = 'SE-KOMMUN';
const HSV = 'SE-KOMMUN-HSV';

const provider = (careProvider: string, careUnit: string, extra: Partial<Caller> = {}): Caller => ({
  kind: 'system',
  clientId: careUnit,
  subject: careUnit,
  careProvider,
  careUnit,
  scopes: parseScopes('system/*.cruds'),
  ...extra,
});
const region = provider(REGION, VC);
const kommun = provider(KOMMUN, HSV);
const nurseInEmergency = provider(KOMMUN, HSV, { kind: 'user', professional: 'SE-P1', emergency: { reason: 'medvetslös' } });
const patientAnna: Caller = { kind: 'patient', clientId: 'app', subject: 'anna', patient: 'anna', scopes: parseScopes('patient/*.rs') };

const regionObs: ResourceFacts = {
  type: 'Observation',
  patientData: true,
  patient: 'anna',
  custodian: { careProvider: REGION, careUnit: VC },
  addressees: [],
};

const related = (hsaId: string, end?: string) => ({ hsaId, careTeam: 't1', ...(end ? { end } : {}) });
const consent = (reader: string, end?: string) => ({ consent: 'c1', recipients: [reader], ...(end ? { end } : {}) });
const facts = (f: Partial<PatientFacts>): PatientFacts => ({ ...NO_FACTS, ...f });

describe('reading another provider\'s documentation (the kommun reads the region\'s)', () => {
  const rows: [string, Caller, PatientFacts, boolean, string][] = [
    ['no relationship, no consent', kommun, NO_FACTS, false, 'no-care-relationship'],
    ['care relationship only', kommun, facts({ memberships: [related(KOMMUN)] }), false, 'no-consent'],
    ['consent only', kommun, facts({ consents: [consent(KOMMUN)] }), false, 'no-care-relationship'],
    ['care relationship and consent', kommun, facts({ memberships: [related(KOMMUN)], consents: [consent(KOMMUN)] }), true, 'consent'],
    ['relationship via the unit, consent via the provider', kommun, facts({ memberships: [related(HSV)], consents: [consent(KOMMUN)] }), true, 'consent'],
    ['consent for someone else', kommun, facts({ memberships: [related(KOMMUN)], consents: [consent('SE-OTHER')] }), false, 'no-consent'],
    ['consent ended', kommun, facts({ memberships: [related(KOMMUN)], consents: [consent(KOMMUN, '2026-11-21')] }), false, 'no-consent'],
    ['consent ends today (a date end lasts the day)', kommun, facts({ memberships: [related(KOMMUN)], consents: [consent(KOMMUN, '2026-11-22')] }), true, 'consent'],
    ['relationship ended', kommun, facts({ memberships: [related(KOMMUN, '2026-01-01')], consents: [consent(KOMMUN)] }), false, 'no-care-relationship'],
    [
      'spärr on the region, with consent',
      kommun,
      facts({ memberships: [related(KOMMUN)], consents: [consent(KOMMUN)], blocks: [{ consent: 'b', blocked: [REGION], lifts: [] }] }),
      false,
      'blocked',
    ],
    [
      'spärr on the unit that documented it',
      kommun,
      facts({ memberships: [related(KOMMUN)], consents: [consent(KOMMUN)], blocks: [{ consent: 'b', blocked: [VC], lifts: [] }] }),
      false,
      'blocked',
    ],
    [
      'spärr on another unit',
      kommun,
      facts({ memberships: [related(KOMMUN)], consents: [consent(KOMMUN)], blocks: [{ consent: 'b', blocked: ['SE-REGION-ORT'], lifts: [] }] }),
      true,
      'consent',
    ],
    [
      'spärr temporarily lifted for the reader',
      kommun,
      facts({
        memberships: [related(KOMMUN)],
        consents: [consent(KOMMUN)],
        blocks: [{ consent: 'b', blocked: [REGION], lifts: [{ recipients: [KOMMUN], end: '2026-11-23T00:00:00Z' }] }],
      }),
      true,
      'consent',
    ],
    [
      'spärr lift ended',
      kommun,
      facts({
        memberships: [related(KOMMUN)],
        consents: [consent(KOMMUN)],
        blocks: [{ consent: 'b', blocked: [REGION], lifts: [{ recipients: [KOMMUN], end: '2026-11-22T11:00:00Z' }] }],
      }),
      false,
      'blocked',
    ],
    [
      'spärr lifted for someone else',
      kommun,
      facts({
        memberships: [related(KOMMUN)],
        consents: [consent(KOMMUN)],
        blocks: [{ consent: 'b', blocked: [REGION], lifts: [{ recipients: ['SE-OTHER'], end: '2027-01-01' }] }],
      }),
      false,
      'blocked',
    ],
    [
      'spärr that has ended',
      kommun,
      facts({ memberships: [related(KOMMUN)], consents: [consent(KOMMUN)], blocks: [{ consent: 'b', blocked: [REGION], lifts: [], end: '2026-01-01' }] }),
      true,
      'consent',
    ],
    ['emergency, no consent', nurseInEmergency, NO_FACTS, true, 'emergency'],
    ['emergency does not open a spärr', nurseInEmergency, facts({ blocks: [{ consent: 'b', blocked: [REGION], lifts: [] }] }), false, 'blocked'],
  ];
  for (const [name, caller, patientFacts, allow, rule] of rows) {
    it(`${name}: ${allow ? 'allow' : 'deny'} (${rule})`, () => {
      const decision = decideRead(caller, regionObs, patientFacts, NOW);
      expect(decision).toMatchObject({ allow, rule });
      expect(decision.emergency).toBe(rule === 'emergency');
    });
  }
});

describe('the other rows', () => {
  it('own documentation, whatever the facts (spärr included); another unit of the same provider too', () => {
    const block = facts({ blocks: [{ consent: 'b', blocked: [REGION], lifts: [] }] });
    expect(decideRead(region, regionObs, block, NOW)).toMatchObject({ allow: true, rule: 'own-documentation' });
    expect(decideRead(provider(REGION, 'SE-REGION-ORT'), regionObs, block, NOW).rule).toBe('own-documentation');
  });

  it('types that are not patient data', () => {
    const org: ResourceFacts = { type: 'Organization', patientData: false, addressees: [] };
    expect(decideRead(kommun, org, NO_FACTS, NOW).rule).toBe('not-patient-data');
    expect(decideRead(patientAnna, org, NO_FACTS, NOW).rule).toBe('not-patient-data');
  });

  it('the patient register', () => {
    const anna: ResourceFacts = { type: 'Patient', patientData: true, patient: 'anna', custodian: { careProvider: REGION }, addressees: [] };
    expect(decideRead(kommun, anna, NO_FACTS, NOW).rule).toBe('patient-register');
  });

  it('addressed: the Task names the caller\'s unit; spärr does not hide what was sent to one', () => {
    const task = { ...regionObs, type: 'Task', addressees: [HSV] };
    const block = facts({ blocks: [{ consent: 'b', blocked: [REGION], lifts: [] }] });
    expect(decideRead(kommun, task, block, NOW)).toMatchObject({ allow: true, rule: 'addressed' });
  });

  it('a CarePlan is addressed to the active members of its care team', () => {
    const plan: ResourceFacts = { ...regionObs, type: 'CarePlan', careTeams: ['t1'] };
    expect(decideRead(kommun, plan, facts({ memberships: [related(KOMMUN)] }), NOW).rule).toBe('addressed');
    expect(decideRead(kommun, plan, facts({ memberships: [related(KOMMUN, '2026-01-01')] }), NOW).rule).toBe('no-care-relationship');
  });

  it('patient data naming no patient is shown only to its custodian or addressees', () => {
    const orphan: ResourceFacts = { ...regionObs, patient: undefined };
    expect(decideRead(kommun, orphan, NO_FACTS, NOW)).toMatchObject({ allow: false, rule: 'no-care-relationship' });
  });

  it('a patient reads their own record only', () => {
    expect(decideRead(patientAnna, regionObs, NO_FACTS, NOW).rule).toBe('own-record');
    expect(decideRead(patientAnna, { ...regionObs, patient: 'bo' }, NO_FACTS, NOW).rule).toBe('other-patient');
  });

  it('the access log: the patient\'s own, a provider\'s own accesses', () => {
    const event: ResourceFacts = { type: 'AuditEvent', patientData: true, patient: 'anna', addressees: [], auditProvider: KOMMUN };
    expect(decideRead(patientAnna, event, NO_FACTS, NOW).rule).toBe('own-record');
    expect(decideRead(kommun, event, NO_FACTS, NOW).rule).toBe('own-log');
    expect(decideRead(region, event, NO_FACTS, NOW).rule).toBe('log-of-others');
  });

  it('a Subscription is its creator\'s alone', () => {
    const subscription: ResourceFacts = { type: 'Subscription', patientData: false, custodian: { careProvider: KOMMUN }, addressees: [] };
    expect(decideRead(kommun, subscription, NO_FACTS, NOW).rule).toBe('own-subscription');
    expect(decideRead(region, subscription, NO_FACTS, NOW).rule).toBe('others-subscription');
  });
});

describe('changes', () => {
  const both = facts({ memberships: [related(KOMMUN)], consents: [consent(KOMMUN)] });

  it('reading by consent does not let one change or delete', () => {
    expect(decideChange(kommun, 'update', regionObs, both, NOW).rule).toBe('read-only');
    expect(decideChange(kommun, 'delete', regionObs, both, NOW).rule).toBe('read-only');
    expect(decideChange(nurseInEmergency, 'update', regionObs, NO_FACTS, NOW).rule).toBe('read-only');
  });

  it('the custodian changes and deletes; an addressee updates but does not delete', () => {
    expect(decideChange(region, 'delete', regionObs, NO_FACTS, NOW).allow).toBe(true);
    const task = { ...regionObs, type: 'Task', addressees: [HSV] };
    expect(decideChange(kommun, 'update', task, NO_FACTS, NOW).allow).toBe(true);
    expect(decideChange(kommun, 'delete', task, NO_FACTS, NOW).rule).toBe('read-only');
  });

  it('a Provenance is read by those its targets address, and changed only by its writer', () => {
    const provenance: ResourceFacts = { type: 'Provenance', patientData: true, patient: 'anna', addressees: [HSV] };
    expect(decideRead(kommun, provenance, NO_FACTS, NOW)).toMatchObject({ allow: true, rule: 'addressed' });
    expect(decideChange(kommun, 'update', provenance, NO_FACTS, NOW).rule).toBe('read-only');
    expect(decideChange(kommun, 'delete', provenance, NO_FACTS, NOW).rule).toBe('read-only');
    expect(decideChange(region, 'update', { ...provenance, custodian: { careProvider: REGION } }, NO_FACTS, NOW).allow).toBe(true);
  });

  it('only the patient changes a spärr', () => {
    const block: ResourceFacts = { ...regionObs, type: 'Consent', isBlock: true };
    expect(decideChange(region, 'update', block, NO_FACTS, NOW).rule).toBe('patient-lifts-block');
    expect(decideChange(patientAnna, 'update', block, NO_FACTS, NOW).allow).toBe(true);
    expect(decideChange(patientAnna, 'update', regionObs, NO_FACTS, NOW).rule).toBe('read-only');
  });

  it('AuditEvents are append-only; a patient creates only about themselves', () => {
    const event: ResourceFacts = { type: 'AuditEvent', patientData: true, patient: 'anna', addressees: [] };
    expect(decideCreate(region, event).rule).toBe('append-only');
    expect(decideChange(patientAnna, 'delete', event, NO_FACTS, NOW).rule).toBe('append-only');
    expect(decideCreate(patientAnna, regionObs).allow).toBe(true);
    expect(decideCreate(patientAnna, { ...regionObs, patient: 'bo' }).allow).toBe(false);
  });
});

describe('periods', () => {
  it('open ends, instants and dates', () => {
    expect(covers({}, NOW)).toBe(true);
    expect(covers({ start: '2026-11-22T12:00:01Z' }, NOW)).toBe(false);
    expect(covers({ end: '2026-11' }, NOW)).toBe(true);
    expect(covers({ end: '2026-10' }, NOW)).toBe(false);
    expect(covers({ end: 'garbage' }, NOW)).toBe(false);
  });
});
