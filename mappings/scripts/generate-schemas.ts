/**
 * Writes mappings/<format>/schema.json for every format (`npm run mappings:schemas`);
 * with `--check`, writes nothing and exits 1 listing the files that are stale.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { FORMATS } from '../formats.ts';
import { jsonSchemaOf } from '../json-schema.ts';

export function schemaFiles(): { path: URL; text: string }[] {
  return FORMATS.map((format) => ({
    path: new URL(`../${format.id}/schema.json`, import.meta.url),
    text: `${JSON.stringify(jsonSchemaOf(format), null, 2)}\n`,
  }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const check = process.argv.includes('--check');
  const stale = schemaFiles().filter((f) => !existsSync(f.path) || readFileSync(f.path, 'utf8') !== f.text);
  if (check) {
    for (const f of stale) console.error(`stale: ${f.path.pathname}`);
    process.exit(stale.length > 0 ? 1 : 0);
  }
  for (const f of stale) {
    writeFileSync(f.path, f.text);
    console.log(`wrote ${f.path.pathname}`);
  }
  if (stale.length === 0) console.log('all JSON Schemas are up to date');
}
