/**
 * Parties, tokens and resources for the access tests: a region (vårdcentral, hospital
 * unit), a kommun (hemsjukvård) and a separate omsorgsgivare (hemtjänst), as in
 * functions/local/dev-clients.json, and builders of the Consents the access rules read.
 */
import type { Consent, Identifier } from '@medplum/fhirtypes';
import { expect } from 'vitest';
import { HSA_SYSTEM } from '../../functions/auth/caller.ts';
import { BLOCK_CODE, CONSENT_CODE, PARTICIPATION_TYPE, SVOD_CONSENT_SYSTEM } from '../../functions/access/facts.ts';
import { type TestApi, json } from './test-api.ts';

export interface Party {
  name: string;
  careProvider: string;
  careUnit: string;
}

export const REGION = 'SE2321000099-RX00';
export const KOMMUN = 'SE2120009999-KX00';
export const OMSORG = 'SE2120009999-KX01';

export const vardcentral: Party = { name: 'vardcentral', careProvider: REGION, careUnit: 'SE2321000099-VCN1' };
export const ortopedi: Party = { name: 'ortopedi', careProvider: REGION, careUnit: 'SE2321000099-ORT1' };
export const hemsjukvard: Party = { name: 'hemsjukvard', careProvider: KOMMUN, careUnit: 'SE2120009999-HSV1' };
export const hemtjanst: Party = { name: 'hemtjanst', careProvider: OMSORG, careUnit: 'SE2120009999-HTJ1' };

export interface TokenOptions {
  scope?: string;
  professional?: string;
  emergency?: string;
}

export type Send = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Response>;

/** A `send` that carries a token of `party` (system token unless `professional` is given). */
export async function as(api: TestApi, party: Party, options: TokenOptions = {}): Promise<Send> {
  const token = await (api.devAuth as NonNullable<TestApi['devAuth']>).issue({
    sub: party.name,
    client_id: party.name,
    scope: options.scope ?? (options.professional ? 'user/*.cruds' : 'system/*.cruds'),
    hsa_care_provider: party.careProvider,
    hsa_care_unit: party.careUnit,
    ...(options.professional ? { hsa_professional: options.professional } : {}),
  });
  return withToken(api, token, options.emergency);
}

/** A `send` with a patient token for `patientId`. */
export async function asPatient(api: TestApi, patientId: string, scope = 'patient/*.rs patient/Consent.cruds'): Promise<Send> {
  const token = await (api.devAuth as NonNullable<TestApi['devAuth']>).issue({
    sub: `patient-${patientId}`,
    client_id: 'patient-app',
    scope,
    patient: patientId,
  });
  return withToken(api, token);
}

export function withToken(api: TestApi, token: string, emergency?: string): Send {
  return (method, path, body, headers = {}) =>
    api.send(method, path, body, {
      Authorization: `Bearer ${token}`,
      ...(emergency ? { 'Samvard-Emergency-Access': encodeURIComponent(emergency) } : {}),
      ...headers,
    });
}

/** One sender per party, made once (`connect`) and looked up by party (`send`), and `write`: a POST as a party that must be a 201. */
export function partySenders(): {
  connect: (api: TestApi, parties: Party[]) => Promise<void>;
  send: (party: Party) => Send;
  write: (party: Party, resource: unknown) => Promise<any>;
} {
  const senders = new Map<string, Send>();
  const send = (party: Party): Send => senders.get(party.name) as Send;
  return {
    async connect(api, parties) {
      for (const party of parties) senders.set(party.name, await as(api, party));
    },
    send,
    async write(party, resource) {
      const res = await send(party)('POST', `/${(resource as { resourceType: string }).resourceType}`, resource);
      expect(res.status, await res.clone().text()).toBe(201);
      return json(res);
    },
  };
}

export const hsa = (value: string): { identifier: Identifier } => ({ identifier: { system: HSA_SYSTEM, value } });

const role = (code: string) => ({ coding: [{ system: PARTICIPATION_TYPE, code }] });
const base = (patientId: string, code: string): Consent => ({
  resourceType: 'Consent',
  status: 'active',
  scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
  category: [{ coding: [{ system: SVOD_CONSENT_SYSTEM, code }] }],
  patient: { reference: `Patient/${patientId}` },
  policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: code === CONSENT_CODE ? 'OPTIN' : 'OPTOUT' }] },
});

/** The patient's consent (samtycke) that `reader` (a provider or unit HSA-id) may read others' documentation. */
export function samtycke(patientId: string, reader: string, period?: { start?: string; end?: string }): Consent {
  return {
    ...base(patientId, CONSENT_CODE),
    provision: { type: 'permit', actor: [{ role: role('IRCP'), reference: hsa(reader) }], ...(period ? { period } : {}) },
  };
}

/** A block (spärr) of `blocked`'s documentation, optionally with temporary lifts for readers. */
export function sparr(
  patientId: string,
  blocked: string,
  lifts: { reader: string; end: string; start?: string }[] = [],
  period?: { start?: string; end?: string },
): Consent {
  return {
    ...base(patientId, BLOCK_CODE),
    provision: {
      type: 'deny',
      actor: [{ role: role('CST'), reference: hsa(blocked) }],
      ...(period ? { period } : {}),
      ...(lifts.length > 0
        ? {
            provision: lifts.map((l) => ({
              type: 'permit' as const,
              actor: [{ role: role('IRCP'), reference: hsa(l.reader) }],
              period: { end: l.end, ...(l.start ? { start: l.start } : {}) },
            })),
          }
        : {}),
    },
  };
}

/** The patient's CareTeam with `members` (HSA-ids of providers or units) as active participants. */
export function careTeam(patientId: string, members: string[], period?: { start?: string; end?: string }) {
  return {
    resourceType: 'CareTeam',
    status: 'active',
    subject: { reference: `Patient/${patientId}` },
    participant: members.map((m) => ({ member: hsa(m), ...(period ? { period } : {}) })),
  };
}
