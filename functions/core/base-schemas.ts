/**
 * The base R4 definitions as @medplum/core's validator and FHIRPath typing hold them in
 * memory, compiled at build time instead of at every cold start.
 *
 * `indexStructureDefinitionBundle` parses each StructureDefinition into an
 * `InternalTypeSchema` (`parseStructureDefinition`) and puts it in @medplum/core's map of
 * data types. For the ~70 definitions samvard validates against that parse cost ~40 ms of
 * every cold start and gives the same result each time. So `npm run definitions`
 * (`fhir-profiles/scripts/extract-core-definitions.ts`) parses them once, with the
 * installed @medplum/core, into `fhir-profiles/generated/core-r4-schemas.json`, and
 * {@link indexBaseSchemas} puts those schemas into the map as `indexStructureDefinitionBundle`
 * would (about 2 ms). `tests/profiles/base-schemas.test.ts` checks that the file is what
 * @medplum/core's parser makes of `core-r4-definitions.json` now, and that the map after
 * indexing equals what `indexStructureDefinitionBundle` makes, so an upgrade of
 * @medplum/core that parses differently fails there rather than validating differently.
 *
 * What `indexStructureDefinitionBundle` does that this does not: it also records each
 * schema by canonical URL for `tryGetProfile`/`isProfileLoaded`, which neither
 * `validateResource` nor FHIRPath reads (only @medplum/core's UI default values and
 * MedplumClient do).
 */
import {
  type InternalTypeSchema,
  getAllDataTypes,
  indexDefaultSearchParameters,
  parseStructureDefinition,
} from '@medplum/core';
import type { StructureDefinition } from '@medplum/fhirtypes';
import { type PackedJson, packJson } from './packed-json.ts';

/** The parsed definitions, in the order they are indexed. */
export interface BaseSchemas {
  /** Each definition's key in the map of data types (its `type`) and its schema. */
  types: { key: string; schema: InternalTypeSchema }[];
  /** The resource types among them, for @medplum/core's default search parameters. */
  resourceTypes: string[];
}

/** JSON has no `undefined`, `Infinity` or `Set`; these stand for them in the file. */
const UNDEFINED = '\u0000U';
const INFINITY = '\u0000I';
const SET = '\u0000S';

/**
 * Parses base StructureDefinitions as `indexStructureDefinitionBundle` does and returns them
 * as plain JSON (build time). Throws on anything the file could not carry faithfully.
 */
export function compileBaseSchemas(sds: readonly StructureDefinition[]): unknown {
  const types = sds.map((sd) => {
    if (sd.url !== `http://hl7.org/fhir/StructureDefinition/${sd.type}`) {
      // indexStructureDefinitionBundle files other URLs under a profile, or by a special name.
      throw new Error(`${sd.url} is not a base definition of ${sd.type}`);
    }
    return { key: sd.type, schema: parseStructureDefinition(sd) };
  });
  const resourceTypes = sds.filter((sd) => sd.kind === 'resource').map((sd) => sd.type);
  return JSON.parse(JSON.stringify({ types, resourceTypes } satisfies BaseSchemas, encodeValue(new Set())));
}

function encodeValue(seen: Set<object>): (key: string, value: unknown) => unknown {
  return (_key, value) => {
    if (value === undefined) return UNDEFINED;
    if (value === Number.POSITIVE_INFINITY) return INFINITY;
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`cannot store ${value}`);
    if (typeof value === 'string' && value.startsWith('\u0000')) throw new Error(`cannot store ${JSON.stringify(value)}`);
    if (typeof value === 'function') throw new Error('cannot store a function');
    if (value !== null && typeof value === 'object') {
      // A shared object would come back as two copies.
      if (seen.has(value)) throw new Error('cannot store an object referenced twice');
      seen.add(value);
      if (value instanceof Set) return { [SET]: [...value] };
      const proto = Object.getPrototypeOf(value);
      if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
        throw new Error(`cannot store a ${proto?.constructor?.name ?? 'class'} instance`);
      }
    }
    return value;
  };
}

/** The content of `core-r4-schemas.json` for these definitions. */
export function packBaseSchemas(sds: readonly StructureDefinition[]): PackedJson {
  return packJson(
    'Base R4 StructureDefinitions as @medplum/core parses them (functions/core/base-schemas.ts): compressed JSON',
    compileBaseSchemas(sds),
  );
}

/** Turns the stored JSON back into what the parser made (in place). */
export function decodeBaseSchemas(stored: unknown): BaseSchemas {
  return decode(stored) as BaseSchemas;
}

/** One call per object or array, not per value: this runs at cold start, mostly not yet optimised. */
function decode(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return decodeScalar(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      value[i] = item !== null && typeof item === 'object' ? decode(item) : decodeScalar(item);
    }
    return value;
  }
  const record = value as Record<string, unknown>;
  const set = record[SET];
  if (Array.isArray(set)) return new Set(decode(set) as unknown[]);
  // Assigning keeps each key where it was, `undefined` included, as the parser left them.
  for (const key in record) {
    const item = record[key];
    if (item !== null && typeof item === 'object') record[key] = decode(item);
    else if (item === UNDEFINED) record[key] = undefined;
    else if (item === INFINITY) record[key] = Number.POSITIVE_INFINITY;
  }
  return record;
}

function decodeScalar(value: unknown): unknown {
  return value === UNDEFINED ? undefined : value === INFINITY ? Number.POSITIVE_INFINITY : value;
}

/**
 * Puts the schemas into @medplum/core's map of data types, as `loadDataType` does for each
 * StructureDefinition of `indexStructureDefinitionBundle`.
 */
export function indexBaseSchemas(schemas: BaseSchemas): void {
  indexDefaultSearchParameters(
    schemas.resourceTypes.map((type) => ({ resourceType: 'StructureDefinition', kind: 'resource', type }) as StructureDefinition),
  );
  const dataTypes = getAllDataTypes();
  for (const { key, schema } of schemas.types) {
    dataTypes[key] = schema;
    for (const inner of schema.innerTypes) {
      inner.parentType = schema;
      dataTypes[inner.name] = inner;
    }
  }
}
