/**
 * The base definitions come to the runtime already parsed (functions/core/base-schemas.ts):
 * `fhir-profiles/generated/core-r4-schemas.json` must be what the installed @medplum/core
 * makes of `core-r4-definitions.json` (else run `npm run definitions`), and indexing it must
 * leave @medplum/core's data types as `indexStructureDefinitionBundle` would.
 */
import { readFileSync } from 'node:fs';
import {
  type InternalTypeSchema,
  getAllDataTypes,
  getSearchParameters,
  indexStructureDefinitionBundle,
  parseStructureDefinition,
} from '@medplum/core';
import type { Bundle, StructureDefinition } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import {
  compileBaseSchemas,
  decodeBaseSchemas,
  packBaseSchemas,
} from '../../functions/core/base-schemas.ts';
import { type PackedJson, unpackJson } from '../../functions/core/packed-json.ts';
import { loadDefinitions } from '../../functions/core/validation.ts';

const generated = (name: string): PackedJson =>
  JSON.parse(readFileSync(new URL(`../../fhir-profiles/generated/${name}`, import.meta.url), 'utf8')) as PackedJson;
const definitions = (unpackJson<Bundle<StructureDefinition>>(generated('core-r4-definitions.json')).entry ?? []).map(
  (e) => e.resource as StructureDefinition,
);

/** What the parser makes of a definition, with its inner types' parent set as indexing sets it. */
function parsed(sd: StructureDefinition): InternalTypeSchema {
  const schema = parseStructureDefinition(sd);
  for (const inner of schema.innerTypes) inner.parentType = schema;
  return schema;
}

describe('fhir-profiles/generated/core-r4-schemas.json', () => {
  it('is up to date with core-r4-definitions.json and @medplum/core (else run `npm run definitions`)', () => {
    const stored = generated('core-r4-schemas.json');
    const fresh = packBaseSchemas(definitions);
    expect(stored.description).toBe(fresh.description);
    expect(unpackJson(stored)).toEqual(unpackJson(fresh));
  });

  it("decodes to exactly the parser's schemas, undefined properties, Infinity and Sets included", () => {
    const schemas = decodeBaseSchemas(unpackJson(generated('core-r4-schemas.json')));
    expect(schemas.types.map((t) => t.key)).toEqual(definitions.map((sd) => sd.type));
    expect(schemas.resourceTypes).toEqual(definitions.filter((sd) => sd.kind === 'resource').map((sd) => sd.type));
    expect(definitions.length).toBeGreaterThan(50);
    for (const [i, sd] of definitions.entries()) {
      expect(schemas.types[i]?.schema, sd.name).toStrictEqual(parseStructureDefinition(sd));
    }
  });

  it('refuses a definition indexStructureDefinitionBundle would file under a profile URL', () => {
    const sd = definitions.find((d) => d.type === 'Period') as StructureDefinition;
    expect(() => compileBaseSchemas([{ ...sd, url: 'https://example.org/StructureDefinition/my-period' }])).toThrow(
      /not a base definition/,
    );
  });
});

describe('loadDefinitions', () => {
  it('leaves @medplum/core with the data types and search parameters indexStructureDefinitionBundle makes', () => {
    loadDefinitions();
    const dataTypes = getAllDataTypes();
    const runtime = new Map<string, InternalTypeSchema | undefined>();
    for (const sd of definitions) {
      const schema = parsed(sd);
      expect(dataTypes[sd.type], sd.type).toStrictEqual(schema);
      runtime.set(sd.type, dataTypes[sd.type]);
      for (const inner of schema.innerTypes) {
        expect(dataTypes[inner.name], inner.name).toBe(dataTypes[sd.type]?.innerTypes.find((t) => t.name === inner.name));
        runtime.set(inner.name, dataTypes[inner.name]);
      }
    }
    for (const sd of definitions.filter((d) => d.kind === 'resource')) {
      expect(getSearchParameters(sd.type)?._lastUpdated?.expression, sd.type).toBe(`${sd.type}.meta.lastUpdated`);
    }
    const names = Object.keys(dataTypes).sort();

    // Now what @medplum/core itself makes of the definitions, in place of the above.
    indexStructureDefinitionBundle(definitions);
    const after = getAllDataTypes();
    expect(Object.keys(after).sort()).toEqual(names);
    for (const [name, schema] of runtime) {
      expect(after[name], name).not.toBe(schema);
      expect(schema, name).toStrictEqual(after[name]);
    }
  });
});
