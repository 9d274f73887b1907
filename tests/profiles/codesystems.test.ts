/**
 * Every samvard code system the runtime uses is defined in the FSH project and served.
 *
 * The systems are found by scanning the source under functions/ (not a list kept by hand),
 * so code that starts using a new `https://samvard.se/fhir/CodeSystem/...` without defining
 * it in `fhir-profiles/input/fsh/` fails here. The codes the access rules and the access
 * log emit are checked against their CodeSystems too.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CodeSystem, Coding } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_AGENT_SYSTEM, AUDIT_FLAG_SYSTEM, auditEvents } from '../../functions/access/audit.ts';
import { BLOCK_CODE, CONSENT_CODE, SVOD_CONSENT_SYSTEM } from '../../functions/access/facts.ts';
import type { PatientAccess } from '../../functions/access/guard.ts';
import type { Caller } from '../../functions/auth/caller.ts';
import { CARE_TEAM_ROLE_SYSTEM, ROLE, TAG, WORKFLOW_SYSTEM } from '../../functions/core/workflow/vocabulary.ts';
import { type TestApi, createTestApi, json } from '../support/test-api.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CS_BASE = 'https://samvard.se/fhir/CodeSystem/';

/** Every `.ts` file under functions/, tests excluded. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The samvard CodeSystem URLs named in the runtime source, written out or built on SAMVARD_CANONICAL. */
function usedSystems(): Map<string, string[]> {
  const used = new Map<string, string[]>();
  const patterns = [
    /https:\/\/samvard\.se\/fhir\/CodeSystem\/([A-Za-z0-9][A-Za-z0-9.-]*)/g,
    /\$\{SAMVARD_CANONICAL\}\/CodeSystem\/([A-Za-z0-9][A-Za-z0-9.-]*)/g,
  ];
  for (const file of sourceFiles(join(ROOT, 'functions'))) {
    const text = readFileSync(file, 'utf8');
    for (const pattern of patterns) {
      for (const match of text.matchAll(pattern)) {
        const url = CS_BASE + match[1];
        used.set(url, [...(used.get(url) ?? []), file.slice(ROOT.length)]);
      }
    }
  }
  return used;
}

/** The CodeSystems SUSHI generated, by URL. */
function generatedCodeSystems(): Map<string, CodeSystem> {
  const dir = join(ROOT, 'fhir-profiles', 'generated', 'resources');
  const systems = readdirSync(dir)
    .filter((f) => f.startsWith('CodeSystem-') && f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as CodeSystem);
  return new Map(systems.map((cs) => [cs.url as string, cs]));
}

const used = usedSystems();
const generated = generatedCodeSystems();
const codesOf = (url: string): string[] => (generated.get(url)?.concept ?? []).map((c) => c.code as string);

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});

describe('samvard code systems used at runtime', () => {
  it('are found by the scan (the scan is not vacuous)', () => {
    expect([...used.keys()]).toEqual(
      expect.arrayContaining([SVOD_CONSENT_SYSTEM, AUDIT_AGENT_SYSTEM, AUDIT_FLAG_SYSTEM, WORKFLOW_SYSTEM, CARE_TEAM_ROLE_SYSTEM]),
    );
  });

  it.each([...used.keys()].sort())('%s is defined in the FSH project', (url) => {
    const cs = generated.get(url);
    expect(cs, `${url} (used in ${used.get(url)?.join(', ')}) has no CodeSystem in fhir-profiles/input/fsh`).toBeDefined();
    expect(cs?.content).toBe('complete');
    expect(cs?.concept?.length).toBeGreaterThan(0);
    for (const concept of cs?.concept ?? []) {
      expect(concept.display, `${url}#${concept.code} display`).toBeTruthy();
      // Swedish / English, as every samvard definition.
      expect(concept.definition, `${url}#${concept.code} definition`).toMatch(/\S.* \/ \S/);
    }
  });

  it.each([...used.keys()].sort())('%s is served at /fhir/CodeSystem?url= and by id', async (url) => {
    const bundle = await json(await api.send('GET', `/CodeSystem?url=${encodeURIComponent(url)}`));
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1 });
    expect(bundle.entry[0].resource).toMatchObject({ resourceType: 'CodeSystem', url });
    const id = url.slice(CS_BASE.length);
    const read = await api.send('GET', `/CodeSystem/${id}`);
    expect(read.status).toBe(200);
    expect((await json(read)).concept).toEqual(generated.get(url)?.concept);
  });

  it.each(['svod-consent', 'audit-agent', 'audit-flag'])('ValueSet %s includes its whole CodeSystem and is served', async (id) => {
    const vs = await json(await api.send('GET', `/ValueSet/${id}`));
    expect(vs.compose.include).toEqual([{ system: CS_BASE + id }]);
  });
});

describe('codes the runtime emits are defined', () => {
  it('consent and block (svod-consent)', () => {
    expect(codesOf(SVOD_CONSENT_SYSTEM)).toEqual(expect.arrayContaining([CONSENT_CODE, BLOCK_CODE]));
  });

  it('the workflow tags and care-team roles', () => {
    expect(codesOf(WORKFLOW_SYSTEM)).toEqual(expect.arrayContaining(Object.values(TAG)));
    expect(codesOf(CARE_TEAM_ROLE_SYSTEM)).toEqual(expect.arrayContaining(Object.values(ROLE)));
  });

  it('every samvard coding in the access log (agents, emergency tags)', () => {
    const access = (emergencyUsed: boolean): PatientAccess => ({
      patient: 'p1',
      shown: new Set(['Observation/o1']),
      withheld: new Set(),
      written: new Set(),
      rules: new Set([emergencyUsed ? 'emergency' : 'own-record']),
      emergencyUsed,
    });
    const professional: Caller = {
      kind: 'user',
      clientId: 'vardcentral-norr',
      subject: 'sub-1',
      careProvider: 'SE2321000099-RX00',
      careUnit: 'SE2321000099-VCN1',
      professional: 'SE2321000099-P001',
      scopes: [],
      emergency: { reason: 'Medvetslös patient' },
    };
    const patient: Caller = { kind: 'patient', clientId: 'patient-app', subject: 'sub-2', patient: 'p1', scopes: [] };
    const request = (caller: Caller) => ({ caller, interaction: 'read' as const, url: '/fhir/Observation/o1', status: 200, recorded: new Date() });
    const events = [...auditEvents(request(professional), [access(true)]), ...auditEvents(request(patient), [access(false)])];
    const codings: Coding[] = events.flatMap((e) => [
      ...(e.meta?.tag ?? []),
      ...(e.agent ?? []).flatMap((a) => a.type?.coding ?? []),
    ]);
    const ours = codings.filter((c) => c.system?.startsWith(CS_BASE));
    // professional, client, care-provider, care-unit, patient, and both emergency tags
    expect(new Set(ours.map((c) => `${c.system}#${c.code}`)).size).toBe(7);
    for (const coding of ours) {
      expect(used.has(coding.system as string), `${coding.system} is named in functions/`).toBe(true);
      expect(codesOf(coding.system as string), `${coding.system}#${coding.code}`).toContain(coding.code);
    }
  });
});
