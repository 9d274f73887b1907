/**
 * Values of a search parameter in a resource, found by evaluating the parameter's
 * FHIRPath expression with @medplum/core, and the normal form strings are compared in.
 */
import { type TypedValue, evalFhirPathTyped, toTypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from '../validation.ts';
import type { SearchParamDef } from './types.ts';

/** The typed values `param` selects in `resource` (Coding, Identifier, Reference, dateTime, Period …). */
export function paramValues(resource: Resource, param: SearchParamDef): TypedValue[] {
  if (!param.expression) return [];
  loadDefinitions(); // FHIRPath typing needs the StructureDefinitions
  return evalFhirPathTyped(param.expression, [toTypedValue(resource)]);
}

/**
 * Strings compare case- and accent-insensitively (`Åström` matches `astr`), as FHIR's
 * string search says.
 * @see https://hl7.org/fhir/R4/search.html#string
 */
export function normalizeString(value: string): string {
  return value.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().trim();
}
