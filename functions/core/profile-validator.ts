/**
 * Validation of a resource against one profile's snapshot: what a profile adds to the base
 * R4 definition. The base rules (types, primitives, base cardinality, base invariants) are
 * checked first by `@medplum/core`'s `validateResource` without a profile
 * (`validation.ts`); this module checks the rest.
 *
 * Why not `validateResource(resource, { profile })`: with a profile, @medplum/core 5
 * evaluates the profile's FHIRPath invariants on elements and on the root and counts
 * slices, but it does not check what a slice constrains inside itself (e.g.
 * `identifier:personnummer.value` 1..1, invariants on a slice, `component:SystolicBP`'s
 * fixed unit), loses a profile's constraints two backbone levels down (the crawler falls
 * back to the base type), does not enforce type choices (`value[x] only Quantity`),
 * required bindings, reference target types or closed slicing, cannot match extension
 * slices by url, and re-parses the StructureDefinition on every call. So this walks the
 * snapshot itself, compiled once per profile into a tree, and reuses @medplum/core for
 * FHIRPath and typed property access.
 *
 * Checked, for each element of the snapshot that the instance reaches:
 * - cardinality where the profile differs from the base, and every slice's cardinality;
 * - slicing by `value`, `pattern`, `type` and `exists` discriminators (extension slices by
 *   their url), including closed slicing;
 * - choice types (`value[x] only Quantity`), fixed and pattern values;
 * - required bindings to ValueSets we can expand (ours);
 * - reference targets (`Reference(ServiceRequest)`) where the reference names its type;
 * - FHIRPath invariants the profile adds (`constraint` whose source is not a base type),
 *   with their severity;
 * - extensions against their definitions when we hold them.
 *
 * Not checked: bindings to ValueSets we do not hold (e.g. LOINC, SNOMED CT), whether a
 * referenced resource conforms to a target profile (that needs a read), `profile`
 * discriminators, and reslicing.
 *
 * @see https://hl7.org/fhir/R4/profiling.html
 * @see https://hl7.org/fhir/R4/profiling.html#slicing
 * @see https://hl7.org/fhir/R4/validation.html
 */
import {
  type FhirPathAtom,
  type TypedValue,
  evalFhirPathTyped,
  getTypedPropertyValue,
  parseFhirPath,
  toTypedValue,
} from '@medplum/core';
import type {
  ElementDefinition,
  OperationOutcomeIssue,
  Reference,
  Resource,
  StructureDefinition,
} from '@medplum/fhirtypes';
import { isBaseDefinition } from './base-definitions.ts';
import { type Expansion, displayOf, expansion, structureDefinition } from './profile-registry.ts';

type TypedNode = TypedValue & { path: string };
type IssueType = OperationOutcomeIssue['code'];

interface Constraint {
  key: string;
  severity: 'error' | 'warning';
  human: string;
  expression: string;
  /** The parsed expression, made on first use and kept (parsing costs more than evaluating). */
  atom?: FhirPathAtom;
}

interface Discriminator {
  type: string;
  path: string;
}

/** What a slice's values must show at one discriminator path. */
interface Expectation {
  fixed?: unknown;
  pattern?: unknown;
  valueSet?: string;
  types?: string[];
  exists?: boolean;
}

interface ElementNode {
  id: string;
  /** The element's name in its parent, e.g. `identifier` or `value[x]`. */
  name: string;
  sliceName?: string;
  min: number;
  max: number;
  /** Whether min/max differ from the base definition, so base validation has not checked them. */
  ownCardinality: boolean;
  types: string[];
  isChoice: boolean;
  fixed?: { key: string; value: unknown };
  pattern?: { key: string; value: unknown };
  constraints: Constraint[];
  requiredValueSet?: string;
  /** Resource types a Reference may point to; undefined when any. */
  targetTypes?: Set<string>;
  /** Canonical of the extension definition, for `Extension` elements that name one. */
  extensionProfile?: string;
  children: ElementNode[];
  slicing?: { discriminators: Discriminator[]; rules: string; slices: ElementNode[] };
  /** For a slice: per discriminator, what its values must show. */
  expectations?: Expectation[][];
}

/** A compiled profile: the snapshot as a tree, and what could not be compiled. */
export interface CompiledProfile {
  url: string;
  name: string;
  type: string;
  root: ElementNode;
  /** Parts of the profile this validator cannot check (tests assert there are none for ours). */
  warnings: string[];
}

const compiled = new Map<string, CompiledProfile>();

/** Compiles a StructureDefinition (profile or extension) once and caches it by URL. */
export function compileProfile(sd: StructureDefinition): CompiledProfile {
  const cached = compiled.get(sd.url as string);
  if (cached) return cached;
  const result = compile(sd);
  compiled.set(sd.url as string, result);
  return result;
}

function compile(sd: StructureDefinition): CompiledProfile {
  const elements = sd.snapshot?.element ?? [];
  if (elements.length === 0) throw new Error(`StructureDefinition ${sd.url} has no snapshot`);
  const warnings: string[] = [];
  const byId = new Map<string, ElementNode>();
  const root = toNode(elements[0] as ElementDefinition, warnings);
  byId.set(root.id, root);
  for (const ed of elements.slice(1)) {
    const id = ed.id ?? ed.path ?? '';
    if (id.includes('/')) {
      warnings.push(`${id}: reslicing is not checked`);
      continue;
    }
    const dot = lastSegmentStart(id);
    const parentId = id.slice(0, dot);
    const segment = id.slice(dot + 1);
    const colon = segment.indexOf(':');
    const node = toNode(ed, warnings);
    if (colon === -1) {
      const parent = byId.get(parentId);
      if (!parent) continue; // below a reslice we skipped
      parent.children.push(node);
    } else {
      const sliced = byId.get(`${parentId}.${segment.slice(0, colon)}`);
      if (!sliced?.slicing) {
        // A type choice constrained to one type (value[x]:valueQuantity) without an explicit slicing.
        if (sliced?.isChoice) {
          sliced.slicing ??= { discriminators: [{ type: 'type', path: '$this' }], rules: 'open', slices: [] };
        } else {
          warnings.push(`${id}: slice without slicing`);
          continue;
        }
      }
      sliced.slicing?.slices.push(node);
    }
    byId.set(id, node);
  }
  for (const node of byId.values()) {
    for (const slice of node.slicing?.slices ?? []) {
      slice.expectations = (node.slicing?.discriminators ?? []).map((d) => expectationsFor(slice, d, warnings));
    }
  }
  return { url: sd.url as string, name: sd.name ?? sd.id ?? '', type: sd.type as string, root, warnings };
}

/** Index of the `.` that starts an id's last segment (slice names never contain dots here). */
function lastSegmentStart(id: string): number {
  return id.lastIndexOf('.');
}

function toNode(ed: ElementDefinition, warnings: string[]): ElementNode {
  const id = ed.id ?? ed.path ?? '';
  const segment = id.slice(lastSegmentStart(id) + 1);
  const name = segment.split(':')[0] as string;
  const max = parseMax(ed.max);
  const min = ed.min ?? 0;
  const baseMin = ed.base?.min ?? min;
  const baseMax = ed.base?.max === undefined ? max : parseMax(ed.base.max);
  const types = (ed.type ?? []).map((t) => t.code as string);
  const node: ElementNode = {
    id,
    name,
    min,
    max,
    ownCardinality: min !== baseMin || max !== baseMax,
    types,
    isChoice: name.endsWith('[x]'),
    constraints: (ed.constraint ?? [])
      .filter((c) => c.key !== 'ele-1' && !isBaseDefinition(c.source) && c.expression)
      .map((c) => ({
        key: c.key as string,
        severity: c.severity === 'warning' ? 'warning' : 'error',
        human: c.human ?? '',
        expression: c.expression as string,
      })),
    children: [],
  };
  if (ed.sliceName) node.sliceName = ed.sliceName;
  const fixed = choiceValue(ed, 'fixed');
  if (fixed) node.fixed = fixed;
  const pattern = choiceValue(ed, 'pattern');
  if (pattern) node.pattern = pattern;
  if (ed.binding?.strength === 'required' && ed.binding.valueSet) node.requiredValueSet = ed.binding.valueSet;
  const reference = ed.type?.find((t) => t.code === 'Reference');
  if (reference?.targetProfile?.length) node.targetTypes = targetTypes(reference.targetProfile);
  const extension = ed.type?.find((t) => t.code === 'Extension');
  if (extension?.profile?.length) node.extensionProfile = extension.profile[0];
  if (ed.slicing) {
    node.slicing = {
      discriminators: (ed.slicing.discriminator ?? []).map((d) => ({ type: d.type as string, path: d.path as string })),
      rules: ed.slicing.rules ?? 'open',
      slices: [],
    };
    for (const d of node.slicing.discriminators) {
      if (!['value', 'pattern', 'type', 'exists'].includes(d.type)) {
        warnings.push(`${id}: ${d.type} discriminators are not checked`);
      }
    }
  }
  return node;
}

function parseMax(max: string | undefined): number {
  return max === undefined || max === '*' ? Number.POSITIVE_INFINITY : Number(max);
}

function choiceValue(ed: ElementDefinition, prefix: 'fixed' | 'pattern'): { key: string; value: unknown } | undefined {
  for (const [key, value] of Object.entries(ed)) {
    if (key.startsWith(prefix) && value !== undefined) return { key, value };
  }
  return undefined;
}

/** The resource types a list of target profiles allows, or undefined when any type will do. */
function targetTypes(profiles: string[]): Set<string> | undefined {
  const types = new Set<string>();
  for (const url of profiles) {
    const base = /^http:\/\/hl7\.org\/fhir\/StructureDefinition\/([A-Z][A-Za-z]+)$/.exec(url)?.[1];
    const type = base ?? structureDefinition(url)?.type;
    if (!type || type === 'Resource' || type === 'DomainResource') return undefined;
    types.add(type);
  }
  return types;
}

/** For a slice and one discriminator of its slicing, what a value must show to belong to it. */
function expectationsFor(slice: ElementNode, d: Discriminator, warnings: string[]): Expectation[] {
  if (d.type === 'type') {
    if (d.path !== '$this') warnings.push(`${slice.id}: type discriminator on ${d.path} is not checked`);
    return [{ types: slice.types }];
  }
  const nodes = d.path === '$this' ? [slice] : descendants(slice, d.path.split('.'));
  if (d.type === 'exists') {
    const node = nodes[0];
    return node ? [{ exists: node.min > 0 }] : [];
  }
  const found: Expectation[] = [];
  for (const node of nodes) {
    if (node.fixed) found.push({ fixed: node.fixed.value });
    else if (node.pattern) found.push({ pattern: node.pattern.value });
    else if (node.requiredValueSet) found.push({ valueSet: node.requiredValueSet });
  }
  // An extension slice names its extension by profile rather than by a fixed url.
  if (found.length === 0 && d.path === 'url' && slice.extensionProfile) found.push({ fixed: slice.extensionProfile });
  if (found.length === 0) warnings.push(`${slice.id}: nothing fixes ${d.path}, so no value can match the slice`);
  return found;
}

/** Nodes at a relative path below a node, looking into slices on the way (e.g. bp's code.coding:SBPCode.code). */
function descendants(node: ElementNode, segments: string[]): ElementNode[] {
  let current = [node];
  for (const segment of segments) {
    const next: ElementNode[] = [];
    for (const n of current) {
      for (const child of n.children) {
        if (child.name === segment || child.name === `${segment}[x]`) next.push(child, ...(child.slicing?.slices ?? []));
      }
    }
    current = next;
  }
  return current;
}

// ---------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------

class Run {
  readonly issues: OperationOutcomeIssue[] = [];
  private readonly variables: Record<string, TypedValue>;

  constructor(
    readonly profile: CompiledProfile,
    resource: TypedValue,
  ) {
    this.variables = {
      '%resource': resource,
      '%rootResource': resource,
      '%ucum': { type: 'string', value: 'http://unitsofmeasure.org' },
    };
  }

  issue(severity: 'error' | 'warning', code: IssueType, path: string, text: string): void {
    this.issues.push({
      severity,
      code,
      details: { text },
      expression: [path],
      diagnostics: `Profile ${this.profile.url}`,
    });
  }

  /** Checks a value against an element node and walks into its constrained children. */
  visit(node: ElementNode, value: TypedNode): void {
    this.checkValue(node, value);
    for (const child of node.children) this.visitChild(child, value);
    if (value.type === 'Extension' && node.extensionProfile && node.children.length === 0) {
      const definition = structureDefinition(node.extensionProfile);
      if (definition?.snapshot) this.visit(compileProfile(definition).root, value);
    }
  }

  /** Checks the values of one child element of `parent`: cardinality, slices, and each value. */
  visitChild(child: ElementNode, parent: TypedNode): void {
    const values = childValues(parent, child);
    const slices = child.slicing?.slices ?? [];
    if (slices.length === 0) {
      if (child.ownCardinality) this.checkCardinality(child, values.length, `${parent.path}.${jsonName(child.name)}`);
      for (const v of values) this.visit(child, v);
      return;
    }
    const counts = new Map<ElementNode, number>();
    const discriminators = child.slicing?.discriminators ?? [];
    for (const v of values) {
      const slice = slices.find((s) => this.matchesSlice(s, discriminators, v));
      if (slice) {
        counts.set(slice, (counts.get(slice) ?? 0) + 1);
        this.visit(slice, v);
      } else {
        // A value of a type the choice does not allow gets a type error from visit(); no need for two.
        const wrongType = child.isChoice && !child.types.includes(v.type);
        if (child.slicing?.rules === 'closed' && !wrongType) {
          this.issue(
            'error',
            'structure',
            v.path,
            `closed slicing: ${this.profile.name} allows only ${slices.map((s) => s.sliceName).join(', ')} at ${child.id}`,
          );
        }
        this.visit(child, v);
      }
    }
    const path = `${parent.path}.${jsonName(child.name)}`;
    let sliceMissing = false;
    for (const slice of slices) {
      const n = counts.get(slice) ?? 0;
      if (n < slice.min || n > slice.max) {
        sliceMissing ||= n < slice.min;
        this.issue(
          'error',
          n < slice.min ? 'required' : 'structure',
          path,
          `slice ${child.name}:${slice.sliceName}: ${this.profile.name} requires ${range(slice)} ` +
            `${jsonName(child.name)} with ${describeSlice(slice, discriminators)}; found ${n}`,
        );
      }
    }
    // The element's own minimum usually just adds up its slices' minimums: one message is enough.
    if (child.ownCardinality && !(sliceMissing && values.length < child.min)) {
      this.checkCardinality(child, values.length, path);
    }
  }

  private checkCardinality(node: ElementNode, count: number, path: string): void {
    if (count >= node.min && count <= node.max) return;
    const rule = `${this.profile.name} requires ${range(node)}`;
    if (node.max === 0) {
      this.issue('error', 'structure', path, `cardinality: ${path} must not be present (${rule})`);
    } else if (count < node.min) {
      this.issue('error', 'required', path, `cardinality: ${path} is missing (${rule}, found ${count})`);
    } else {
      this.issue('error', 'structure', path, `cardinality: ${path} has too many values (${rule}, found ${count})`);
    }
  }

  private checkValue(node: ElementNode, value: TypedNode): void {
    if (node.isChoice && node.types.length > 0 && !node.types.includes(value.type)) {
      this.issue(
        'error',
        'structure',
        value.path,
        `type: ${value.path} is a ${value.type}; ${this.profile.name} allows only ${node.types.join(', ')} at ${node.id}`,
      );
      return;
    }
    const plain = unwrap(value.value);
    if (node.fixed && !deepEqual(plain, node.fixed.value)) {
      this.issue(
        'error',
        'value',
        value.path,
        `fixed value: ${value.path} must be ${JSON.stringify(node.fixed.value)}, found ${JSON.stringify(plain)}`,
      );
    }
    if (node.pattern && !matchesPattern(plain, node.pattern.value)) {
      this.issue(
        'error',
        'value',
        value.path,
        `pattern: ${value.path} must contain ${JSON.stringify(node.pattern.value)}, found ${JSON.stringify(plain)}`,
      );
    }
    if (node.requiredValueSet) this.checkBinding(node.requiredValueSet, value);
    if (node.targetTypes && value.type === 'Reference') this.checkReference(node.targetTypes, value);
    for (const constraint of node.constraints) {
      if (!this.holds(constraint, value)) {
        this.issue(constraint.severity, 'invariant', value.path, `${constraint.key}: ${constraint.human}`);
      }
    }
  }

  private holds(constraint: Constraint, value: TypedNode): boolean {
    try {
      constraint.atom ??= parseFhirPath(constraint.expression);
      const result = evalFhirPathTyped(constraint.atom, [value], { ...this.variables, '%context': value });
      return result.length === 1 && result[0]?.value === true;
    } catch (err) {
      this.issue(
        'error',
        'processing',
        value.path,
        `${constraint.key}: the rule could not be evaluated (${(err as Error).message})`,
      );
      return true;
    }
  }

  private checkBinding(valueSet: string, value: TypedNode): void {
    const vs = expansion(valueSet);
    if (!vs) return; // not a ValueSet we hold: the codes cannot be checked here
    const codings = codingsOf(value);
    if (codings === undefined) return;
    if (codings.some((c) => inExpansion(vs, c))) return;
    const found = codings.length === 0 ? 'no code' : codings.map((c) => (c.system ? `${c.system}#${c.code}` : c.code)).join(', ');
    const allowed = vs.members.length <= 12 ? `: ${vs.members.map((m) => m.split('#')[1]).join(', ')}` : '';
    this.issue(
      'error',
      'code-invalid',
      value.path,
      `binding: ${value.path} must have a code from the required value set ${vs.title} (${vs.url})${allowed}; found ${found}`,
    );
  }

  private checkReference(allowed: Set<string>, value: TypedNode): void {
    const type = referencedType(value.value as Reference, this.variables['%resource']?.value as Resource);
    if (type === undefined || allowed.has(type)) return;
    this.issue(
      'error',
      'structure',
      value.path,
      `reference: ${value.path} must reference ${[...allowed].join(' or ')} (${this.profile.name}); found ${type}`,
    );
  }

  matchesSlice(slice: ElementNode, discriminators: Discriminator[], value: TypedNode): boolean {
    return discriminators.every((d, i) => {
      const expected = slice.expectations?.[i] ?? [];
      if (expected.length === 0) return false;
      if (d.type === 'type') return expected.some((e) => e.types?.includes(value.type));
      const found = d.path === '$this' ? [value] : navigate(value, d.path);
      if (d.type === 'exists') return expected[0]?.exists === found.length > 0;
      return found.some((f) => {
        const plain = unwrap(f.value);
        return expected.some((e) => {
          if (e.fixed !== undefined) return deepEqual(plain, e.fixed);
          if (e.pattern !== undefined) return matchesPattern(plain, e.pattern);
          if (e.valueSet !== undefined) {
            const vs = expansion(e.valueSet);
            const codings = codingsOf(f);
            return !vs || !codings || codings.some((c) => inExpansion(vs, c));
          }
          return false;
        });
      });
    });
  }
}

/**
 * Validates a resource against a compiled profile and returns the issues (errors and
 * warnings), each with a FHIRPath `expression` and the rule in `details.text`.
 */
export function validateAgainstProfile(resource: Resource, profile: CompiledProfile): OperationOutcomeIssue[] {
  const typed = toTypedValue(resource);
  const run = new Run(profile, typed);
  if (resource.resourceType !== profile.type) {
    run.issue(
      'error',
      'structure',
      resource.resourceType,
      `profile: ${profile.name} is a profile on ${profile.type}, not ${resource.resourceType}`,
    );
    return run.issues;
  }
  run.visit(profile.root, { ...typed, path: resource.resourceType });
  return run.issues;
}

/**
 * Whether a resource satisfies what a profile says about the given top-level elements,
 * e.g. `code`: used to pick which of several profiles a resource is meant to meet.
 */
export function matchesProfileElements(resource: Resource, profile: CompiledProfile, names: string[]): boolean {
  const typed = toTypedValue(resource);
  const run = new Run(profile, typed);
  const parent = { ...typed, path: resource.resourceType };
  for (const child of profile.root.children) {
    if (!names.includes(child.name)) continue;
    if (child.min > 0 && childValues(parent, child).length === 0) return false;
    run.visitChild(child, parent);
  }
  return run.issues.every((i) => i.severity !== 'error');
}

// ---------------------------------------------------------------------------------------
// Instance helpers
// ---------------------------------------------------------------------------------------

/** The instance values of a child element, with FHIRPath-style paths (`Task.basedOn[0]`). */
function childValues(parent: TypedNode, child: ElementNode): TypedNode[] {
  const key = child.isChoice ? child.name.slice(0, -3) : child.name;
  const result = getTypedPropertyValue(parent, key);
  if (result === undefined) return [];
  if (Array.isArray(result)) {
    return result
      .filter((v) => v.value !== undefined && v.value !== null)
      .map((v, i) => ({ ...v, path: `${parent.path}.${key}[${i}]` }));
  }
  if (result.value === undefined || result.value === null) return [];
  const name = child.isChoice ? `${key}${result.type.charAt(0).toUpperCase()}${result.type.slice(1)}` : key;
  return [{ ...result, path: `${parent.path}.${name}` }];
}

function navigate(value: TypedNode, path: string): TypedValue[] {
  let current: TypedValue[] = [value];
  for (const segment of path.split('.')) {
    const next: TypedValue[] = [];
    for (const v of current) {
      const r = getTypedPropertyValue(v, segment);
      if (Array.isArray(r)) next.push(...r);
      else if (r !== undefined) next.push(r);
    }
    current = next.filter((v) => v.value !== undefined && v.value !== null);
  }
  return current;
}

function jsonName(name: string): string {
  return name.endsWith('[x]') ? name.slice(0, -3) : name;
}

/** Primitives with extensions come back as String/Number/Boolean objects; compare their values. */
function unwrap(value: unknown): unknown {
  if (value instanceof String || value instanceof Number || value instanceof Boolean) return value.valueOf();
  return value;
}

interface Code {
  system?: string;
  code?: string;
}

/** The codes a coded value carries, or undefined for types a binding does not constrain here. */
function codingsOf(value: TypedValue): Code[] | undefined {
  const v = unwrap(value.value) as Record<string, unknown> | string;
  switch (value.type) {
    case 'code':
      return [{ code: v as string }];
    case 'Coding':
    case 'Quantity':
      return (v as Code).code === undefined ? [] : [v as Code];
    case 'CodeableConcept':
      return (((v as { coding?: Code[] }).coding ?? []) as Code[]).filter((c) => c.code !== undefined);
    default:
      return undefined;
  }
}

function inExpansion(vs: Expansion, c: Code): boolean {
  return c.system === undefined ? vs.codes.has(c.code as string) : vs.keys.has(`${c.system}|${c.code}`);
}

/** The resource type a reference points to, when it says; undefined when it cannot be told. */
function referencedType(reference: Reference, resource: Resource | undefined): string | undefined {
  const ref = reference.reference;
  if (ref?.startsWith('#')) {
    const contained = (resource as { contained?: Resource[] } | undefined)?.contained?.find((r) => `#${r.id}` === ref);
    return contained?.resourceType;
  }
  if (ref && !ref.startsWith('urn:')) {
    const conditional = /^([A-Z][A-Za-z]+)\?/.exec(ref)?.[1];
    if (conditional) return conditional;
    const match = /(?:^|\/)([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/.exec(ref);
    if (match) return match[1];
  }
  return reference.type;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => deepEqual(unwrap(x), unwrap(b[i])));
  }
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return (
    ka.length === kb.length &&
    ka.every((k) => deepEqual(unwrap((a as Record<string, unknown>)[k]), unwrap((b as Record<string, unknown>)[k])))
  );
}

/**
 * FHIR pattern matching: every property the pattern has, the value has with the same
 * content; for arrays, every pattern item matches some value item.
 * @see https://hl7.org/fhir/R4/elementdefinition-definitions.html#ElementDefinition.pattern_x_
 */
function matchesPattern(value: unknown, pattern: unknown): boolean {
  value = unwrap(value);
  if (typeof pattern !== 'object' || pattern === null) return value === pattern;
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(pattern)) {
    if (!Array.isArray(value)) return false;
    return pattern.every((p) => value.some((v) => matchesPattern(v, p)));
  }
  return Object.entries(pattern as Record<string, unknown>).every(([k, p]) =>
    matchesPattern((value as Record<string, unknown>)[k], p),
  );
}

function range(node: ElementNode): string {
  return `${node.min}..${Number.isFinite(node.max) ? node.max : '*'}`;
}

/** A slice in words for messages, e.g. `system = urn:oid:1.2.752.29.4.19`. */
function describeSlice(slice: ElementNode, discriminators: Discriminator[]): string {
  const shown: string[] = [];
  for (const [i, d] of discriminators.entries()) {
    const options = (slice.expectations?.[i] ?? []).map((e) => {
      if (e.types) return `type ${e.types.join(' or ')}`;
      if (e.exists !== undefined) return `${d.path} ${e.exists ? 'present' : 'absent'}`;
      if (e.valueSet) return `${d.path} from ${e.valueSet}`;
      return `${d.path} = ${describeValue(e.fixed ?? e.pattern)}`;
    });
    if (options.length > 0) shown.push(options.join(' or '));
  }
  return shown.join(' and ') || `the slice's values`;
}

function describeValue(value: unknown): string {
  const coding = (value as { coding?: Code[] } | undefined)?.coding?.[0];
  if (coding?.code) {
    const display = coding.system ? displayOf(coding.system, coding.code) : undefined;
    return `${coding.system ?? ''}#${coding.code}${display ? ` (${display})` : ''}`;
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}
