/**
 * Profile enforcement: which of samvard's Swedish profiles a resource must conform to.
 *
 * A resource is validated against
 * 1. every profile of ours its `meta.profile` names (a name under our canonical base that
 *    we do not define is an error; other profiles, e.g. HL7 Sweden's or the core
 *    vital-signs profiles, are not ours to check and are ignored), and
 * 2. the profiles the configuration requires for its type: the resource must conform to at
 *    least one of them ("any of").
 *
 * Default requirement (see {@link DEFAULT_REQUIRED_PROFILES}): the SIP CarePlan, the
 * vårdbegäran ServiceRequest and the HSL-uppdrag Task for those types, and for Observation
 * any one of the egenvårdsbedömning and the six vital-sign profiles. Observation is
 * "any of" because samvard stores both kinds and a single Observation profile cannot
 * describe both; which one applies is told by the resource's `code` (each of these
 * profiles fixes its code), so an Observation is checked against the profile its code
 * selects, and its errors are that profile's. An Observation whose code matches none of
 * them is rejected with the list of accepted codes; a deployment that also stores other
 * Observations (lab results, NEWS2, ...) relaxes this with `SAMVARD_REQUIRED_PROFILES`.
 *
 * Configuration: `SAMVARD_REQUIRED_PROFILES` is `default`, `none`, or a JSON object from
 * resource type to profile ids or canonical URLs, e.g.
 * `{"Task":["samvard-hsl-uppdrag"],"Patient":["samvard-patient"]}` (types it does not
 * name have no requirement).
 *
 * @see https://hl7.org/fhir/R4/resource-definitions.html#Meta.profile
 * @see https://hl7.org/fhir/R4/validation.html#profile
 */
import type { OperationOutcomeIssue, Resource, StructureDefinition } from '@medplum/fhirtypes';
import {
  SAMVARD_CANONICAL,
  canonicalUrl,
  loadProfileRegistry,
  profilesForType,
  structureDefinition,
} from './profile-registry.ts';
import {
  type CompiledProfile,
  compileProfile,
  matchesProfileElements,
  validateAgainstProfile,
} from './profile-validator.ts';

const SD = `${SAMVARD_CANONICAL}/StructureDefinition`;

/** Resource type → profiles of which a resource of that type must meet at least one. */
export type RequiredProfiles = Readonly<Record<string, readonly string[]>>;

export const DEFAULT_REQUIRED_PROFILES: RequiredProfiles = {
  CarePlan: [`${SD}/samvard-careplan`],
  ServiceRequest: [`${SD}/samvard-vardbegaran`],
  Task: [`${SD}/samvard-hsl-uppdrag`],
  Observation: [
    `${SD}/samvard-egenvardsbedomning`,
    `${SD}/samvard-blood-pressure`,
    `${SD}/samvard-heart-rate`,
    `${SD}/samvard-oxygen-saturation`,
    `${SD}/samvard-body-temperature`,
    `${SD}/samvard-respiratory-rate`,
    `${SD}/samvard-body-weight`,
  ],
};

/** The top-level elements that tell which of several required profiles a resource means to meet. */
const SELECTOR_ELEMENTS = ['code'];

let required: RequiredProfiles = DEFAULT_REQUIRED_PROFILES;

/**
 * Sets which profiles each resource type must conform to, from the
 * `SAMVARD_REQUIRED_PROFILES` setting or an object. Unknown profiles, and profiles on
 * another type than the key, are configuration errors and throw.
 */
export function configureRequiredProfiles(setting: string | RequiredProfiles | undefined): RequiredProfiles {
  required = parseRequiredProfiles(setting);
  return required;
}

export function requiredProfiles(): RequiredProfiles {
  return required;
}

export function parseRequiredProfiles(setting: string | RequiredProfiles | undefined): RequiredProfiles {
  if (setting === undefined || setting === '' || setting === 'default') return DEFAULT_REQUIRED_PROFILES;
  if (setting === 'none') return {};
  let raw: unknown = setting;
  if (typeof setting === 'string') {
    try {
      raw = JSON.parse(setting);
    } catch {
      throw new Error('SAMVARD_REQUIRED_PROFILES must be "default", "none" or a JSON object of type → profiles');
    }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error('SAMVARD_REQUIRED_PROFILES must be a JSON object of resource type → list of profiles');
  }
  const result: Record<string, string[]> = {};
  for (const [type, profiles] of Object.entries(raw)) {
    if (!Array.isArray(profiles) || profiles.some((p) => typeof p !== 'string')) {
      throw new Error(`SAMVARD_REQUIRED_PROFILES.${type} must be a list of profile ids or URLs`);
    }
    result[type] = (profiles as string[]).map((p) => {
      const url = p.includes('/') ? p : `${SD}/${p}`;
      const sd = structureDefinition(url);
      if (!sd || sd.kind !== 'resource') throw new Error(`SAMVARD_REQUIRED_PROFILES: unknown profile ${p}`);
      if (sd.type !== type) throw new Error(`SAMVARD_REQUIRED_PROFILES: ${p} is a profile on ${sd.type}, not ${type}`);
      return url;
    });
  }
  return result;
}

/** Indexes and compiles every profile now (cold start, benchmarks) rather than on first use. */
export function loadProfiles(): void {
  loadProfileRegistry();
  for (const urls of Object.values(required)) for (const url of urls) compiled(url);
}

/** One of our profiles (not an extension) by canonical URL, compiled. */
export function findProfile(canonical: string): CompiledProfile | undefined {
  const sd = structureDefinition(canonicalUrl(canonical));
  return sd?.kind === 'resource' && sd.derivation === 'constraint' ? compileProfile(sd) : undefined;
}

function compiled(url: string): CompiledProfile {
  const profile = findProfile(url);
  if (!profile) throw new Error(`Profile ${url} is not one of samvard's`);
  return profile;
}

export interface ProfileCheckOptions {
  /** A profile to validate against besides those in `meta.profile` (`$validate?profile=`). */
  profile?: string;
  /** Whether to apply the configured requirement for the resource's type (writes: yes). */
  enforceRequired?: boolean;
}

/**
 * Validates a resource (already valid against the base definitions) against the profiles
 * that apply to it and returns every issue: errors, warnings, and information about
 * profiles it named that samvard does not check.
 */
export function profileIssues(resource: Resource, options: ProfileCheckOptions = {}): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  const named = [...(resource.meta?.profile ?? []), ...(options.profile ? [options.profile] : [])];
  const passed = new Set<string>();
  const checked = new Set<string>();
  for (const [i, canonical] of named.entries()) {
    const url = canonicalUrl(canonical);
    if (checked.has(url)) continue;
    checked.add(url);
    const profile = findProfile(url);
    const where = i < (resource.meta?.profile?.length ?? 0) ? `${resource.resourceType}.meta.profile[${i}]` : 'profile';
    if (!profile) {
      issues.push(unknownProfileIssue(url, resource.resourceType, where));
      continue;
    }
    const found = validateAgainstProfile(resource, profile);
    issues.push(...found);
    if (!hasErrors(found)) passed.add(url);
  }

  const requirement = options.enforceRequired ? (required[resource.resourceType] ?? []) : [];
  if (requirement.length === 0 || requirement.some((url) => checked.has(url))) return issues;
  // None of the required profiles was named: check the one(s) the resource's code selects.
  const candidates =
    requirement.length === 1
      ? requirement
      : requirement.filter((url) => matchesProfileElements(resource, compiled(url), SELECTOR_ELEMENTS));
  if (candidates.length === 0) {
    issues.push(noProfileMatchesIssue(resource, requirement));
    return issues;
  }
  let firstFailure: OperationOutcomeIssue[] | undefined;
  for (const url of candidates) {
    const found = validateAgainstProfile(resource, compiled(url));
    if (!hasErrors(found)) return [...issues, ...found];
    firstFailure ??= found;
  }
  return [...issues, ...(firstFailure ?? [])];
}

/** For the CapabilityStatement: which profiles writes must meet, as configured. */
export function profileEnforcementDocumentation(): string {
  const types = Object.keys(required).filter((t) => (required[t]?.length ?? 0) > 0).sort();
  return (
    `Writes are validated against the samvard profiles their meta.profile names` +
    (types.length > 0 ? `, and a ${types.join(', ')} must conform to one of the samvard profiles on its type` : '') +
    ` (supportedProfile; https://samvard.se/fhir); $validate answers the same question without writing.`
  );
}

/** Profiles of ours on a resource type, for the CapabilityStatement's `supportedProfile`. */
export function supportedProfiles(resourceType: string): string[] {
  return profilesForType(resourceType)
    .map((sd: StructureDefinition) => sd.url as string)
    .sort();
}

function hasErrors(issues: OperationOutcomeIssue[]): boolean {
  return issues.some((i) => i.severity === 'error' || i.severity === 'fatal');
}

function unknownProfileIssue(url: string, type: string, where: string): OperationOutcomeIssue {
  if (url.startsWith(`${SAMVARD_CANONICAL}/`)) {
    const known = profilesForType(type).map((sd) => sd.url);
    return {
      severity: 'error',
      code: 'not-found',
      details: {
        text:
          `profile: ${url} is not a samvard profile` +
          (known.length > 0 ? `; profiles on ${type}: ${known.join(', ')}` : ''),
      },
      expression: [where],
    };
  }
  return {
    severity: 'information',
    code: 'informational',
    details: { text: `profile: ${url} is not one samvard validates against; it was not checked` },
    expression: [where],
  };
}

function noProfileMatchesIssue(resource: Resource, requirement: readonly string[]): OperationOutcomeIssue {
  const options = requirement.map((url) => {
    const sd = structureDefinition(url);
    return `${sd?.title ?? sd?.name ?? url} (${url})`;
  });
  const codings = (resource as { code?: { coding?: { system?: string; code?: string }[] } }).code?.coding ?? [];
  const code = codings.map((c) => `${c.system ?? ''}#${c.code ?? ''}`).join(', ') || 'no code';
  return {
    severity: 'error',
    code: 'invalid',
    details: {
      text:
        `profile: every ${resource.resourceType} written to samvard must conform to one of its profiles, ` +
        `chosen by code; ${code} matches none of: ${options.join('; ')}`,
    },
    expression: [`${resource.resourceType}.code`],
  };
}
