/**
 * One search value (a comma-separated piece of a parameter) parsed for its parameter type:
 * prefixes, `system|code`, dates and numbers with their implied ranges, reference targets.
 * An invalid value is a 400 naming the parameter.
 *
 * @see https://hl7.org/fhir/R4/search.html#ptypes
 */
import { OperationOutcomeError, badRequest } from '../outcomes.ts';
import { dateRange } from './date.ts';
import { splitOnPipes } from './escape.ts';
import { numberRange } from './number.ts';
import { parseReferenceSearch } from './reference.ts';
import { parseToken } from './token.ts';
import type { Prefix, SearchParamDef, SearchValue } from './types.ts';

const PREFIX = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)/;

function invalid(name: string, raw: string, expected: string): OperationOutcomeError {
  return new OperationOutcomeError(
    badRequest(`Invalid value ${JSON.stringify(raw)} for search parameter ${name}: expected ${expected}`, [name]),
  );
}

/** `ge2026-01` → `['ge', '2026-01']`; no prefix means `eq`. */
function splitPrefix(raw: string): [Prefix, string] {
  const prefix = PREFIX.exec(raw)?.[1] as Prefix | undefined;
  return prefix ? [prefix, raw.slice(2)] : ['eq', raw];
}

/**
 * @param name the parameter as the client wrote it (for the error)
 * @param modifier the clause's modifier (`missing`, `text`, `identifier`, a type …), already validated
 */
export function parseSearchValue(
  param: SearchParamDef,
  modifier: string | undefined,
  raw: string,
  name: string,
): SearchValue {
  if (modifier === 'missing') {
    if (raw !== 'true' && raw !== 'false') throw invalid(name, raw, 'true or false');
    return { raw };
  }
  if (modifier === 'text' || param.type === 'string' || param.type === 'uri') return { raw };
  if (param.type === 'token' || modifier === 'identifier') {
    const token = parseToken(raw);
    if (!token) throw invalid(name, raw, '[system|]code');
    return { raw, ...token };
  }
  if (param.type === 'reference') {
    const reference = parseReferenceSearch(raw, modifier);
    if (!reference) throw invalid(name, raw, `a reference to ${modifier}`);
    return { raw, reference };
  }
  const [prefix, rest] = splitPrefix(raw);
  if (param.type === 'date') {
    const range = dateRange(rest);
    if (!range) throw invalid(name, raw, '[prefix]yyyy[-mm[-dd[Thh:mm[:ss[.sss]][Z|±hh:mm]]]]');
    return { raw: rest, prefix, range };
  }
  if (param.type === 'number') {
    const number = numberRange(rest);
    if (!number) throw invalid(name, raw, '[prefix]number');
    return { raw: rest, prefix, ...number };
  }
  if (param.type === 'quantity') {
    const parts = splitOnPipes(rest);
    const number = numberRange(parts[0] ?? '');
    if (!number || (parts.length !== 1 && parts.length !== 3)) throw invalid(name, raw, '[prefix]number[|system|code]');
    const [, system, code] = parts;
    return { raw: rest, prefix, ...number, ...(system ? { system } : {}), ...(code ? { code } : {}) };
  }
  throw invalid(name, raw, `a ${param.type} value`);
}
