/**
 * The checked-in output under fhir-profiles/generated/ must be what `npm run profiles`
 * makes from the FSH sources now: this recompiles them (offline, with SUSHI, once) and
 * compares, as `npm run profiles -- --check` does.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CompileResult,
  GENERATED_DIR,
  compileProfiles,
  diffFiles,
  readCheckedIn,
} from '../../fhir-profiles/scripts/build-profiles.ts';

let compiled: CompileResult;
const copy = mkdtempSync(join(tmpdir(), 'samvard-generated-'));

beforeAll(async () => {
  compiled = await compileProfiles();
}, 120_000);
afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('fhir-profiles/generated', () => {
  it('compiles without SUSHI errors or warnings', () => {
    expect(compiled.errors).toEqual([]);
    expect(compiled.warnings).toEqual([]);
  });

  it('is up to date with the FSH sources (else run `npm run profiles`)', () => {
    expect(diffFiles(compiled.files, readCheckedIn())).toEqual([]);
  });

  it('would be reported stale if a file were edited, removed or added by hand', () => {
    cpSync(GENERATED_DIR, copy, { recursive: true });
    const edited = join(copy, 'resources', 'StructureDefinition-samvard-patient.json');
    writeFileSync(edited, readFileSync(edited, 'utf8').replace('"min": 1', '"min": 0'));
    unlinkSync(join(copy, 'examples', 'Task-task-example-hsl-uppdrag.json'));
    writeFileSync(join(copy, 'resources', 'ValueSet-stray.json'), '{}\n');
    expect(diffFiles(compiled.files, readCheckedIn(copy))).toEqual([
      'examples/Task-task-example-hsl-uppdrag.json',
      'resources/StructureDefinition-samvard-patient.json',
      'resources/ValueSet-stray.json',
    ]);
  });

  it('puts every conformance resource, with a snapshot for each StructureDefinition, in the runtime bundle', () => {
    const bundle = JSON.parse(compiled.files.get('samvard-profiles.json') as string) as {
      entry: {
        fullUrl: string;
        resource: { resourceType: string; url: string; kind?: string; snapshot?: { element: unknown[] } };
      }[];
    };
    const resources = [...compiled.files.keys()].filter((p) => p.startsWith('resources/'));
    expect(bundle.entry).toHaveLength(resources.length);
    for (const { fullUrl, resource } of bundle.entry) {
      expect(fullUrl).toBe(resource.url);
      expect(resource.url).toMatch(/^https:\/\/samvard\.se\/fhir\//);
      if (resource.resourceType === 'StructureDefinition') {
        // A profile's snapshot restates its whole base resource; an extension's is short.
        expect(resource.snapshot?.element.length).toBeGreaterThanOrEqual(resource.kind === 'resource' ? 25 : 5);
      }
    }
  });
});
