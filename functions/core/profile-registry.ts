/**
 * samvard's own conformance resources, compiled from `fhir-profiles/` by SUSHI and checked
 * in as one collection Bundle (`npm run profiles`): StructureDefinitions (snapshots cut down
 * to what validation reads), ValueSets, CodeSystems and SearchParameters. The Bundle is
 * carried in the Lambda bundle compressed (`packed-json.ts`) and unpacked on first use; its
 * resources are indexed by type, id and canonical URL; ValueSets are expanded here when every include is a list of codes or a whole
 * CodeSystem we hold, which is all that required-binding checks need.
 *
 * @see https://hl7.org/fhir/R4/profiling.html
 * @see https://hl7.org/fhir/R4/valueset.html#expansion
 */
import type {
  CodeSystem,
  CodeSystemConcept,
  Resource,
  SearchParameter,
  StructureDefinition,
  ValueSet,
} from '@medplum/fhirtypes';
import packedProfiles from '../../fhir-profiles/generated/samvard-profiles.json' with { type: 'json' };
import { unpackJson } from './packed-json.ts';

/** The canonical base of samvard's own definitions. */
export const SAMVARD_CANONICAL = 'https://samvard.se/fhir';

export const CONFORMANCE_TYPES = ['StructureDefinition', 'ValueSet', 'CodeSystem', 'SearchParameter'] as const;
export type ConformanceType = (typeof CONFORMANCE_TYPES)[number];
export type ConformanceResource = StructureDefinition | ValueSet | CodeSystem | SearchParameter;

/** The codes of an expanded ValueSet: `system|code` keys, and the codes alone. */
export interface Expansion {
  url: string;
  title: string;
  keys: Set<string>;
  codes: Set<string>;
  /** `system#code` of each member, for messages. */
  members: string[];
}

interface Registry {
  byType: Map<ConformanceType, ConformanceResource[]>;
  byId: Map<string, ConformanceResource>;
  byUrl: Map<string, ConformanceResource>;
  expansions: Map<string, Expansion | null>;
}

let registry: Registry | undefined;

function build(): Registry {
  const byType = new Map<ConformanceType, ConformanceResource[]>(CONFORMANCE_TYPES.map((t) => [t, []]));
  const byId = new Map<string, ConformanceResource>();
  const byUrl = new Map<string, ConformanceResource>();
  for (const entry of unpackJson<{ entry?: { resource?: Resource }[] }>(packedProfiles).entry ?? []) {
    const resource = entry.resource as ConformanceResource | undefined;
    if (!resource?.id || !byType.has(resource.resourceType as ConformanceType)) continue;
    byType.get(resource.resourceType as ConformanceType)?.push(resource);
    byId.set(`${resource.resourceType}/${resource.id}`, resource);
    if (resource.url) byUrl.set(resource.url, resource);
  }
  return { byType, byId, byUrl, expansions: new Map() };
}

function get(): Registry {
  registry ??= build();
  return registry;
}

/** Unpacks and indexes the bundle now rather than on first use (cold start, benchmarks). */
export function loadProfileRegistry(): void {
  get();
}

/** Strips a `|version` suffix from a canonical reference. */
export function canonicalUrl(canonical: string): string {
  const bar = canonical.indexOf('|');
  return bar === -1 ? canonical : canonical.slice(0, bar);
}

export function conformanceResources(type: ConformanceType): readonly ConformanceResource[] {
  return get().byType.get(type) ?? [];
}

export function conformanceResourceById(type: string, id: string): ConformanceResource | undefined {
  return get().byId.get(`${type}/${id}`);
}

export function conformanceResourceByUrl(canonical: string): ConformanceResource | undefined {
  return get().byUrl.get(canonicalUrl(canonical));
}

export function isConformanceType(type: string): type is ConformanceType {
  return (CONFORMANCE_TYPES as readonly string[]).includes(type);
}

/** One of our StructureDefinitions (profile or extension) by canonical URL. */
export function structureDefinition(canonical: string): StructureDefinition | undefined {
  const resource = conformanceResourceByUrl(canonical);
  return resource?.resourceType === 'StructureDefinition' ? resource : undefined;
}

/** Our profiles (constraints on resources) that apply to a resource type. */
export function profilesForType(resourceType: string): StructureDefinition[] {
  return (conformanceResources('StructureDefinition') as StructureDefinition[]).filter(
    (sd) => sd.kind === 'resource' && sd.derivation === 'constraint' && sd.type === resourceType,
  );
}

/**
 * The expansion of one of our ValueSets, or undefined when we cannot expand it (not ours,
 * or built with filters or other ValueSets). Computed once per ValueSet.
 */
export function expansion(canonical: string): Expansion | undefined {
  const url = canonicalUrl(canonical);
  const cache = get().expansions;
  if (!cache.has(url)) cache.set(url, expand(url) ?? null);
  return cache.get(url) ?? undefined;
}

function expand(url: string): Expansion | undefined {
  const vs = conformanceResourceByUrl(url);
  if (vs?.resourceType !== 'ValueSet' || !vs.compose) return undefined;
  const members = new Map<string, { system: string; code: string }>();
  const collect = (includes: NonNullable<ValueSet['compose']>['include'] | undefined, add: boolean): boolean => {
    for (const inc of includes ?? []) {
      if (!inc.system || inc.valueSet?.length || inc.filter?.length) return false;
      const system = inc.system;
      let codes: string[];
      if (inc.concept?.length) {
        codes = inc.concept.map((c) => c.code as string);
      } else {
        const cs = conformanceResourceByUrl(system);
        if (cs?.resourceType !== 'CodeSystem' || cs.content !== 'complete') return false;
        codes = flattenConcepts(cs.concept ?? []);
      }
      for (const code of codes) {
        if (add) members.set(`${system}|${code}`, { system, code });
        else members.delete(`${system}|${code}`);
      }
    }
    return true;
  };
  if (!collect(vs.compose.include, true) || !collect(vs.compose.exclude, false)) return undefined;
  return {
    url,
    title: vs.title ?? vs.name ?? url,
    keys: new Set(members.keys()),
    codes: new Set([...members.values()].map((m) => m.code)),
    members: [...members.values()].map((m) => `${m.system}#${m.code}`),
  };
}

function flattenConcepts(concepts: CodeSystemConcept[]): string[] {
  return concepts.flatMap((c) => [c.code as string, ...flattenConcepts(c.concept ?? [])]);
}

/** The display of a code in one of our CodeSystems, for messages. */
export function displayOf(system: string, code: string): string | undefined {
  const cs = conformanceResourceByUrl(system);
  if (cs?.resourceType !== 'CodeSystem') return undefined;
  const find = (concepts: CodeSystemConcept[]): string | undefined => {
    for (const c of concepts) {
      if (c.code === code) return c.display;
      const nested = find(c.concept ?? []);
      if (nested) return nested;
    }
    return undefined;
  };
  return find(cs.concept ?? []);
}
