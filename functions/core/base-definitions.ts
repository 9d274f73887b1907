/**
 * Whether a constraint comes from a base resource or datatype definition (e.g. `dom-2` from
 * DomainResource, `obs-6` from Observation), which base validation already evaluates, as
 * opposed to one a profile adds. Core profiles (`vitalsigns`, `bp`, `SimpleQuantity`, ...)
 * are not base definitions: their constraints belong to the profile. Shared by the profile
 * validator and the build that slims the runtime profile index.
 *
 * @see https://hl7.org/fhir/R4/elementdefinition-definitions.html#ElementDefinition.constraint.source
 */
const CORE_PROFILES_IN_BASE_NAMESPACE = new Set(['SimpleQuantity', 'MoneyQuantity']);

export function isBaseDefinition(source: string | undefined): boolean {
  const name = /^http:\/\/hl7\.org\/fhir\/StructureDefinition\/([A-Za-z]+)$/.exec(source ?? '')?.[1];
  return !!name && /^[A-Z]/.test(name) && !CORE_PROFILES_IN_BASE_NAMESPACE.has(name);
}
