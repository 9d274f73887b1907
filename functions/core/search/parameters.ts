/**
 * The R4 SearchParameters samvard supports, indexed once from the generated subset
 * (`npm run definitions`), with expressions narrowed to one resource type.
 *
 * @see https://hl7.org/fhir/R4/searchparameter-registry.html
 */
import type { Bundle, SearchParameter } from '@medplum/fhirtypes';
import packedSearchParameters from '../../../fhir-profiles/generated/core-r4-search-parameters.json' with { type: 'json' };
import { unpackJson } from '../packed-json.ts';
import type { SearchParamDef, SearchParamType } from './types.ts';

let byType: Map<string, Map<string, SearchParamDef>> | undefined;

function index(): Map<string, Map<string, SearchParamDef>> {
  if (byType) return byType;
  byType = new Map();
  for (const entry of unpackJson<Bundle<SearchParameter>>(packedSearchParameters).entry ?? []) {
    const sp = entry.resource as SearchParameter;
    for (const base of sp.base as string[]) {
      // Parameters on Resource/DomainResource (_id, _lastUpdated …) apply to every type: key '*'.
      for (const type of base === 'Resource' || base === 'DomainResource' ? ['*'] : [base]) {
        const params = byType.get(type) ?? new Map<string, SearchParamDef>();
        params.set(sp.code, {
          code: sp.code,
          type: sp.type as SearchParamType,
          expression: narrowExpression(sp.expression ?? '', type),
          ...(sp.target ? { target: [...sp.target] } : {}),
        });
        byType.set(type, params);
      }
    }
  }
  return byType;
}

/** Keeps only the union branches of an expression that apply to `type`. */
function narrowExpression(expression: string, type: string): string {
  if (type === '*') return expression;
  const branches = expression.split(/\s\|\s/).filter((b) => {
    const head = /^\(?([A-Z][A-Za-z]+)\./.exec(b.trim())?.[1];
    return head === undefined || head === type;
  });
  return branches.join(' | ');
}

/** The definition of `code` on `resourceType`, or undefined when there is none. */
export function searchParamFor(resourceType: string, code: string): SearchParamDef | undefined {
  const params = index();
  const own = params.get(resourceType)?.get(code);
  if (own) return own;
  const common = params.get('*')?.get(code);
  return common ? { ...common, expression: common.expression.replace(/^Resource\./, `${resourceType}.`) } : undefined;
}

export function searchParamsFor(resourceType: string): SearchParamDef[] {
  const params = index();
  return [...(params.get(resourceType)?.values() ?? [])];
}
