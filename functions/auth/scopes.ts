/**
 * SMART App Launch scopes: parsing (v2 `.cruds` letters and v1 `.read`/`.write`/`.*`) and
 * the check of one interaction on one resource type.
 *
 * A scope is `<context>/<type or *>.<permissions>`:
 * - context `system/` (a backend client), `user/` (a professional's session) or
 *   `patient/` (limited to the patient in the token's `patient` context);
 * - permissions, v2: an ordered subset of `c r u d s`; v1: `read` (= `rs`), `write`
 *   (= `cud`), `*` (= `cruds`).
 *
 * Which interaction needs which letter (SMART v2, "Scopes for requesting FHIR resources"):
 * `c` create; `r` read, vread, instance history; `u` update; `d` delete; `s` search
 * (type, compartment, system, `$everything`) and type history.
 *
 * Scopes with a query restriction (`patient/Observation.rs?category=vital-signs`) are
 * recognised but grant nothing: samvard does not enforce query restrictions yet, and a
 * scope it cannot enforce must not widen access. Scopes that are not resource scopes
 * (`openid`, `fhirUser`, `launch/patient`, `offline_access` ...) are ignored.
 *
 * Scopes say what a client may ever do; the access rules (functions/access/rules.ts)
 * then say which data about which patient it may see.
 *
 * @see https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html
 */
import { OperationOutcomeError, forbidden } from '../core/outcomes.ts';

export type ScopeContext = 'system' | 'user' | 'patient';
export type Permission = 'c' | 'r' | 'u' | 'd' | 's';

export interface ResourceScope {
  /** The scope as written in the token. */
  text: string;
  context: ScopeContext;
  /** A resource type, or `*` for all. */
  resourceType: string;
  permissions: ReadonlySet<Permission>;
  /** `?...` restriction; such a scope grants nothing (see above). */
  restriction?: string;
}

const ORDER = 'cruds';
const SCOPE_PATTERN = /^(system|user|patient)\/(\*|[A-Z][A-Za-z]+)\.([a-z*]+)(\?.*)?$/;

/** Parses one scope; undefined when it is not a resource scope or is malformed. */
export function parseScope(text: string): ResourceScope | undefined {
  const match = SCOPE_PATTERN.exec(text);
  if (!match) return undefined;
  const [, context, resourceType, perms, restriction] = match as unknown as [string, ScopeContext, string, string, string?];
  const permissions = parsePermissions(perms);
  if (!permissions) return undefined;
  return { text, context, resourceType, permissions, ...(restriction ? { restriction } : {}) };
}

function parsePermissions(perms: string): Set<Permission> | undefined {
  if (perms === 'read') return new Set(['r', 's']);
  if (perms === 'write') return new Set(['c', 'u', 'd']);
  if (perms === '*') return new Set(['c', 'r', 'u', 'd', 's']);
  // v2: letters of `cruds`, each at most once, in that order.
  let last = -1;
  const set = new Set<Permission>();
  for (const letter of perms) {
    const at = ORDER.indexOf(letter);
    if (at <= last) return undefined;
    last = at;
    set.add(letter as Permission);
  }
  return set.size > 0 ? set : undefined;
}

/** Parses a space-separated `scope` claim (or an `scp` array); keeps resource scopes only. */
export function parseScopes(scope: string | readonly string[] | undefined): ResourceScope[] {
  const parts = typeof scope === 'string' ? scope.split(/\s+/) : (scope ?? []);
  return parts.flatMap((s) => {
    const parsed = parseScope(s);
    return parsed ? [parsed] : [];
  });
}

/** What a scope check needs to know about the caller. */
export interface ScopeHolder {
  scopes: readonly ResourceScope[];
  /** The patient in context (patient tokens); `patient/` scopes grant only with one. */
  patient?: string | undefined;
}

/** Whether the caller's scopes allow `permission` on `resourceType`. */
export function hasPermission(caller: ScopeHolder, permission: Permission, resourceType: string): boolean {
  return caller.scopes.some(
    (s) =>
      s.restriction === undefined &&
      (s.resourceType === '*' || s.resourceType === resourceType) &&
      s.permissions.has(permission) &&
      (s.context !== 'patient' || caller.patient !== undefined),
  );
}

/** Whether the caller may see resources of `resourceType` at all (read or search). */
export function canSeeType(caller: ScopeHolder, resourceType: string): boolean {
  return hasPermission(caller, 'r', resourceType) || hasPermission(caller, 's', resourceType);
}

const NAMES: Record<Permission, string> = { c: 'create', r: 'read', u: 'update', d: 'delete', s: 'search' };

/** Throws a 403 OperationOutcome when the scopes do not allow `permission` on `resourceType`. */
export function requirePermission(caller: ScopeHolder, permission: Permission, resourceType: string): void {
  if (hasPermission(caller, permission, resourceType)) return;
  throw new OperationOutcomeError(
    forbidden(
      `The access token's scopes do not allow ${NAMES[permission]} on ${resourceType} ` +
        `(needs e.g. system/${resourceType}.${permission}, user/${resourceType}.${permission} or ` +
        `patient/${resourceType}.${permission})`,
    ),
  );
}
