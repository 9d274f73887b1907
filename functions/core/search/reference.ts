/**
 * Reference search: `Type/id`, a bare `id` (any target type), an absolute URL (compared
 * on its `Type/id` tail, as the index keys references; the server's own base is not
 * known here), `:Type` to name the type of a bare id, `…/_history/v` for one version,
 * `:identifier` on Reference.identifier; canonical and uri targets compare as URLs
 * (`url` matches any version of `url|version`).
 *
 * @see https://hl7.org/fhir/R4/search.html#reference
 */
import type { TypedValue } from '@medplum/core';
import { unescapeValue } from './escape.ts';
import { systemAndCodeMatch } from './token.ts';
import type { SearchValue } from './types.ts';

type Target = NonNullable<SearchValue['reference']>;

const TYPE_AND_ID = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/([A-Za-z0-9\-.]{1,64}))?$/;
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** The target a reference string names: `Type/id[/_history/v]` (also at the end of a URL) or a URL. */
export function parseReference(text: string): Target {
  const m = TYPE_AND_ID.exec(text);
  if (m) return { type: m[1], id: m[2], ...(m[3] ? { version: m[3] } : {}) };
  return { url: text };
}

/** A search value: as {@link parseReference}, and a bare id is an id of any type (or of `type`). */
export function parseReferenceSearch(raw: string, type: string | undefined): Target | undefined {
  const text = unescapeValue(raw);
  if (ID.test(text)) return type ? { type, id: text } : { id: text };
  const target = parseReference(text);
  if (type && target.type !== type) return undefined;
  return target;
}

export function referenceMatches(target: TypedValue, v: SearchValue, modifier: string | undefined): boolean {
  const value = target.value as unknown;
  if (modifier === 'identifier') {
    const identifier = (value as { identifier?: { system?: string; value?: string } } | null)?.identifier;
    return identifier !== undefined && systemAndCodeMatch(identifier.system, identifier.value, v);
  }
  const search = v.reference;
  if (!search) return false;
  if (typeof value === 'string') return canonicalMatches(value, unescapeValue(v.raw));
  const reference = (value as { reference?: string } | null)?.reference;
  if (!reference) return false;
  if (search.id === undefined) return reference === search.url;
  const found = parseReference(reference);
  return (
    found.id === search.id &&
    (search.type === undefined || found.type === search.type) &&
    (search.version === undefined || found.version === search.version)
  );
}

/** canonical/uri targets: the same URL, and the same version when the search names one. */
function canonicalMatches(canonical: string, search: string): boolean {
  const [url, version] = canonical.split('|');
  const [searchUrl, searchVersion] = search.split('|');
  return url === searchUrl && (searchVersion === undefined || searchVersion === version);
}
