/**
 * What a document format is: its versioned schema, how its documents are read (JSON, or
 * CSV / XML turned into the same shape), which resources its mapping needs to see, and
 * the pure mapping itself. mappings/formats.ts lists them; mappings/ingest.ts runs them.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { z } from 'zod';
import type { MappedBundle } from './bundle-builder.ts';

/** How a document arrives. */
export type MediaKind = 'json' | 'csv' | 'xml';

/** A text document (CSV, XML) read into the object the schema checks, plus how to name its places. */
export interface ReadDocument {
  value: unknown;
  /** A document path (`measurements[3].value`) as the sender knows it (`CSV line 5, column value`). */
  describe?(path: string): string | undefined;
}

/**
 * A resource the mapping needs to see before it maps (the Task a status update changes,
 * the ServiceRequest an HSL-uppdrag is based on), found by a search.
 */
export interface Lookup {
  type: string;
  /** Search criteria, e.g. `identifier=system|value`. */
  criteria: string;
  /** The document field that names it, for errors. */
  path: string;
}

/** What the lookups found, by the lookup's key; absent when nothing matched. */
export type Found = Record<string, Resource | undefined>;

export interface DocumentFormat<D = unknown> {
  /** `region.vardbegaran.v1`: kind and version. */
  id: string;
  title: string;
  description: string;
  schema: z.ZodType<D>;
  /** Readers for the media types besides JSON; JSON is always accepted. */
  readers?: Partial<Record<Exclude<MediaKind, 'json'>, (text: string, params: Record<string, string>) => ReadDocument>>;
  lookups?(doc: D): Record<string, Lookup>;
  /** Pure: the same document and lookups give the same Bundle. Throws OperationOutcomeError (409) when the record does not allow it. */
  map(doc: D, found: Found): MappedBundle;
  /** File names in mappings/examples/. */
  examples: string[];
}

/** Declares a format with its document type inferred from the schema. */
export function defineFormat<S extends z.ZodType>(format: DocumentFormat<z.infer<S>> & { schema: S }): DocumentFormat {
  return format as unknown as DocumentFormat;
}
