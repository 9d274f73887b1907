/**
 * The escaping rules of search values: `\,` `\|` `\$` `\\` stand for the character itself,
 * so a comma (OR) or a pipe (`system|code`) can be part of a value.
 *
 * @see https://hl7.org/fhir/R4/search.html#escaping
 */

/** Splits a parameter value on unescaped commas; `\,` becomes `,`, other escapes stay for later splits. */
export function splitOnCommas(text: string): string[] {
  const values: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === '\\' && i + 1 < text.length) {
      const next = text.charAt(++i);
      current += next === ',' ? ',' : c + next;
    } else if (c === ',') {
      values.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  values.push(current);
  return values;
}

/** Splits a value (as kept by {@link splitOnCommas}) on unescaped `|`, unescaping each part. */
export function splitOnPipes(raw: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charAt(i);
    if (c === '\\' && i + 1 < raw.length) {
      current += raw.charAt(++i);
    } else if (c === '|') {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

/** The literal text of a value: every escape resolved. */
export function unescapeValue(raw: string): string {
  return raw.replace(/\\(.)/gs, '$1');
}

/** The inverse of {@link splitOnCommas} for one value. */
export function escapeCommas(raw: string): string {
  return raw.replace(/,/g, '\\,');
}
