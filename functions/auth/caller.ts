/**
 * Who calls: the verified claims of an access token, turned into a transport-free
 * {@link Caller} that the FHIR core and the access rules use.
 *
 * Claims samvard reads (besides `iss`, `aud`, `exp`, `sub`, `client_id`/`azp`, `jti`):
 *
 * | claim | meaning | needed |
 * | --- | --- | --- |
 * | `scope` (or `scp`) | SMART scopes, space separated (see scopes.ts) | always |
 * | `hsa_care_provider` | HSA-id of the care provider (vårdgivare / omsorgsgivare) | system and user tokens |
 * | `hsa_care_unit` | HSA-id of the care unit (vårdenhet) the caller acts for | system and user tokens |
 * | `hsa_professional` | HSA-id of the person (makes it a user token) | user tokens |
 * | `patient` | id of the Patient resource (makes it a patient token; SMART launch context) | patient tokens |
 * | `emergency_reason` | a token issued for emergency access (nödåtkomst), with its reason | optional |
 *
 * In production the identity provider maps its own attributes (e.g. SITHS/Inera's
 * `employeeHsaId`, `careProviderHsaId`, `careUnitHsaId`) to these names.
 */
import { OperationOutcomeError, forbidden, unauthorized } from '../core/outcomes.ts';
import { type ResourceScope, parseScopes } from './scopes.ts';

export { HSA_SYSTEM, HSA_SYSTEM_RIVTA } from '../core/hsa.ts';

export const CLAIMS = {
  careProvider: 'hsa_care_provider',
  careUnit: 'hsa_care_unit',
  professional: 'hsa_professional',
  patient: 'patient',
  emergencyReason: 'emergency_reason',
} as const;

/** The longest emergency reason kept (it goes into every AuditEvent of the request). */
export const MAX_EMERGENCY_REASON = 500;

export type CallerKind = 'system' | 'user' | 'patient';

export interface Caller {
  kind: CallerKind;
  /** The OAuth client (`client_id`, else `azp`, else `sub`). */
  clientId: string;
  /** `sub` of the token. */
  subject: string;
  /** HSA-id of the care provider; absent for patient tokens. */
  careProvider?: string;
  /** HSA-id of the care unit; absent for patient tokens. */
  careUnit?: string;
  /** HSA-id of the professional (user tokens). */
  professional?: string;
  /** Patient resource id (patient tokens). */
  patient?: string;
  scopes: ResourceScope[];
  /** Emergency access (nödåtkomst) asked for on this request, with its stated reason. */
  emergency?: { reason: string };
  /** `jti` of the token, for the access log. */
  tokenId?: string;
}

const HSA_ID = /^[A-Za-z0-9-]{3,64}$/;
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * Builds the Caller from verified claims and the request's emergency reason (the
 * `Samvard-Emergency-Access` header), if any. Throws 401 when the token lacks what samvard
 * needs to attribute access, 403 when emergency access is asked without a professional.
 */
export function callerFromClaims(claims: Record<string, unknown>, emergencyHeader?: string | undefined): Caller {
  const text = (name: string): string | undefined => {
    const value = claims[name];
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  const subject = text('sub');
  if (!subject) throw invalidToken('the token has no sub');
  const scopeClaim = claims.scope ?? claims.scp;
  const scopes = parseScopes(
    typeof scopeClaim === 'string' || Array.isArray(scopeClaim) ? (scopeClaim as string | string[]) : undefined,
  );
  const patient = text(CLAIMS.patient);
  const careProvider = text(CLAIMS.careProvider);
  const careUnit = text(CLAIMS.careUnit);
  const professional = text(CLAIMS.professional);
  const caller: Caller = {
    kind: patient ? 'patient' : professional ? 'user' : 'system',
    clientId: text('client_id') ?? text('azp') ?? subject,
    subject,
    scopes,
  };
  const jti = text('jti');
  if (jti) caller.tokenId = jti;
  if (patient) {
    if (!FHIR_ID.test(patient)) throw invalidToken('the patient claim is not a FHIR id');
    caller.patient = patient;
  } else {
    // Every access by a care provider is attributed to a provider and a unit (SVOD, the access log).
    if (!careProvider || !HSA_ID.test(careProvider)) {
      throw invalidToken(`the token has no valid ${CLAIMS.careProvider} (the care provider's HSA-id)`);
    }
    if (!careUnit || !HSA_ID.test(careUnit)) {
      throw invalidToken(`the token has no valid ${CLAIMS.careUnit} (the care unit's HSA-id)`);
    }
    caller.careProvider = careProvider;
    caller.careUnit = careUnit;
    if (professional) {
      if (!HSA_ID.test(professional)) throw invalidToken(`${CLAIMS.professional} is not an HSA-id`);
      caller.professional = professional;
    }
  }
  const reason = emergencyHeader?.trim() || text(CLAIMS.emergencyReason);
  if (reason) {
    if (caller.kind !== 'user') {
      throw new OperationOutcomeError(
        forbidden('Emergency access is given to a professional only: it needs a user token (hsa_professional)'),
      );
    }
    caller.emergency = { reason: reason.slice(0, MAX_EMERGENCY_REASON) };
  }
  return caller;
}

export function invalidToken(description: string): OperationOutcomeError {
  return new OperationOutcomeError(unauthorized(`Invalid access token: ${description}`));
}

/** The identities the caller acts as, for matching consents, care teams and blocks. */
export function callerHsaIds(caller: Caller): string[] {
  return [caller.careProvider, caller.careUnit].filter((v): v is string => v !== undefined);
}
