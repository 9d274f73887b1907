/**
 * The checked-in output under fhir-profiles/generated/ must be what `npm run profiles`
 * makes from the FSH sources now: this recompiles them (offline, with SUSHI, once) and
 * compares, as `npm run profiles -- --check` does.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Bundle, StructureDefinition } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CompileResult,
  GENERATED_DIR,
  compileProfiles,
  diffFiles,
  readCheckedIn,
  unpackFile,
} from '../../fhir-profiles/scripts/build-profiles.ts';
import { packJson } from '../../functions/core/packed-json.ts';

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

  it('compares the packed bundles by content and format, not by their compressed bytes', () => {
    const index = compiled.files.get('samvard-profiles.json') as string;
    const { description } = JSON.parse(index) as { description: string };
    const bundle = unpackFile<Bundle>(index);
    const files = (content: string) => new Map([...compiled.files, ['samvard-profiles.json', content]]);
    // Other compressed bytes of the same JSON (as another Brotli build may write): up to date.
    const recompressed = brotliCompressSync(JSON.stringify(bundle), { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } });
    const sameContent = JSON.stringify({ description, brotliBase64: recompressed.toString('base64') });
    expect(sameContent).not.toBe(index);
    expect(diffFiles(compiled.files, files(sameContent))).toEqual([]);
    // Edited content, or still the gzip format: stale.
    const edited = { ...bundle, entry: bundle.entry?.slice(1) };
    expect(diffFiles(compiled.files, files(JSON.stringify(packJson(description, edited))))).toEqual(['samvard-profiles.json']);
    const gzipped = gzipSync(JSON.stringify(bundle)).toString('base64');
    expect(diffFiles(compiled.files, files(JSON.stringify({ description, gzipBase64: gzipped })))).toEqual([
      'samvard-profiles.json',
    ]);
  });

  it('serves every conformance resource in full, and indexes each for validation', () => {
    const full = unpackFile<Bundle>(compiled.files.get('samvard-conformance.json') as string);
    const index = unpackFile<Bundle>(compiled.files.get('samvard-profiles.json') as string);
    const resources = [...compiled.files.keys()].filter((p) => p.startsWith('resources/'));
    expect(full.entry).toHaveLength(resources.length);
    expect(index.entry?.map((e) => e.fullUrl)).toEqual(full.entry?.map((e) => e.fullUrl));
    for (const [i, entry] of (full.entry ?? []).entries()) {
      const resource = entry.resource as StructureDefinition;
      expect(entry.fullUrl).toBe(resource.url);
      expect(resource.url).toMatch(/^https:\/\/samvard\.se\/fhir\//);
      const file = `resources/${resource.resourceType}-${resource.id}.json`;
      expect(JSON.parse(compiled.files.get(file) as string)).toEqual(resource);
      if (resource.resourceType === 'StructureDefinition') {
        // A profile's snapshot restates its whole base resource; the index keeps what constrains.
        const slim = index.entry?.[i]?.resource as StructureDefinition;
        expect(resource.snapshot?.element.length).toBeGreaterThanOrEqual(resource.kind === 'resource' ? 25 : 5);
        expect(slim.snapshot?.element.length).toBeLessThan(resource.snapshot?.element.length ?? 0);
        expect(resource.differential?.element.length).toBeGreaterThan(0);
      }
    }
  });
});
