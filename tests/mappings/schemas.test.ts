/**
 * The JSON Schemas checked in for vendors (mappings/<format>/schema.json) are what the
 * zod schemas generate: regenerate with `npm run mappings:schemas`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FORMATS } from '../../mappings/formats.ts';
import { schemaFiles } from '../../mappings/scripts/generate-schemas.ts';

describe('JSON Schemas', () => {
  it('every format has one checked in, and none is stale (npm run mappings:schemas)', () => {
    const files = schemaFiles();
    expect(files).toHaveLength(FORMATS.length);
    for (const file of files) {
      expect(existsSync(file.path), `${file.path.pathname} exists`).toBe(true);
      expect(readFileSync(file.path, 'utf8'), `${file.path.pathname} is up to date`).toBe(file.text);
    }
  });

  it('every example of every format passes its schema', () => {
    for (const format of FORMATS) {
      for (const example of format.examples) {
        if (!example.endsWith('.json')) continue;
        const doc = JSON.parse(readFileSync(new URL(`../../mappings/examples/${example}`, import.meta.url), 'utf8'));
        const result = format.schema.safeParse(doc);
        expect(result.error?.issues ?? [], `${example}`).toEqual([]);
      }
    }
  });
});
