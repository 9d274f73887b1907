/**
 * Token search: `[system|]code` on Coding, CodeableConcept, Identifier, ContactPoint and
 * on code, boolean, id, string, uri values; `:text` on the text that goes with a code.
 *
 * Codes and systems compare exactly (case-sensitive). Values without a system of their
 * own (code, boolean, id, string, uri, ContactPoint) match on the code alone: a system in
 * the search is not checked there (for code it is implied by the binding).
 *
 * @see https://hl7.org/fhir/R4/search.html#token
 */
import type { TypedValue } from '@medplum/core';
import { splitOnPipes } from './escape.ts';
import type { SearchValue } from './types.ts';
import { normalizeString } from './values.ts';

/** The system and code of a token search value, or undefined when it is not `[system|]code`. */
export function parseToken(raw: string): Pick<SearchValue, 'system' | 'code'> | undefined {
  const parts = splitOnPipes(raw);
  if (parts.length === 1) return parts[0] ? { code: parts[0] } : undefined;
  if (parts.length !== 2) return undefined;
  const [system = '', code = ''] = parts;
  if (!system && !code) return undefined;
  return code ? { system, code } : { system };
}

/**
 * `system|code` against a value's system and code: `system` undefined = any system,
 * `''` = the value has no system; `code` undefined = any code.
 */
export function systemAndCodeMatch(system: string | undefined, code: string | undefined, v: SearchValue): boolean {
  if (v.system === '' && system) return false;
  if (v.system && system !== v.system) return false;
  return v.code === undefined || code === v.code;
}

export function tokenMatches(target: TypedValue, v: SearchValue): boolean {
  const value = target.value as unknown;
  if (typeof value === 'object' && value !== null) {
    const o = value as { system?: string; code?: string; value?: string; coding?: { system?: string; code?: string }[] };
    switch (target.type) {
      case 'Coding':
        return systemAndCodeMatch(o.system, o.code, v);
      case 'CodeableConcept':
        return (o.coding ?? []).some((c) => systemAndCodeMatch(c.system, c.code, v));
      case 'Identifier':
        return systemAndCodeMatch(o.system, o.value, v);
      case 'ContactPoint':
        return v.code === undefined || o.value === v.code;
      default:
        return false;
    }
  }
  if (value === undefined || value === null) return false;
  return v.code === undefined || String(value) === v.code;
}

/** The human text of a token value: CodeableConcept.text and its codings' display, Coding.display, Identifier.type.text. */
function tokenText(target: TypedValue): string[] {
  const o = target.value as {
    text?: string;
    display?: string;
    coding?: { display?: string }[];
    type?: { text?: string };
  };
  if (typeof o !== 'object' || o === null) return [];
  const texts = [o.text, o.display, o.type?.text, ...(o.coding ?? []).map((c) => c.display)];
  return texts.filter((t): t is string => typeof t === 'string');
}

/** `:text`: string (starts-with, case- and accent-insensitive) search on the text of a code. */
export function tokenTextMatches(target: TypedValue, text: string): boolean {
  const needle = normalizeString(text);
  return tokenText(target).some((t) => normalizeString(t).startsWith(needle));
}
