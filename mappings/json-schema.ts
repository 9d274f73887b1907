/**
 * The JSON Schema of a format, for vendors: generated from its zod schema (zod 4
 * `z.toJSONSchema`), checked in as mappings/<format>/schema.json by
 * `npm run mappings:schemas` and served at `GET /ingest/<format>.schema.json`.
 *
 * Rules zod checks in code (a personnummer's check digit, an activity's responsible party
 * being a participant) are not expressible in JSON Schema; the descriptions name them.
 */
import { z } from 'zod';
import type { DocumentFormat } from './common/format.ts';

export const SCHEMA_BASE = 'https://samvard.se/fhir/ingest';

export function jsonSchemaOf(format: DocumentFormat): Record<string, unknown> {
  const schema = z.toJSONSchema(format.schema, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>;
  const { $schema, ...rest } = schema;
  return { $schema, $id: `${SCHEMA_BASE}/${format.id}.schema.json`, ...rest };
}
