/**
 * The largest resource samvard accepts, in bytes of JSON. A DynamoDB item holds at most
 * 400 KB, and each version item carries the resource plus its keys and index keys; this
 * leaves room for those and for the metadata the server adds.
 */
export const MAX_RESOURCE_BYTES = 350 * 1024;

/** `_count` for history and search: default and ceiling. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 1000;

/**
 * Most resources one ingested document may map to (mappings/ingest.ts; 413 above): one
 * transaction, larger than a client's Bundle (MAX_BUNDLE_ENTRIES, 200) so that a 500-row
 * measurement CSV with the patients, units and professionals it names is one document.
 */
export const MAX_INGEST_ENTRIES = 1000;
