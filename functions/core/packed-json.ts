/**
 * Generated JSON carried inside the Lambda bundle compressed (as base64 text). A string
 * literal costs V8 almost nothing to compile, where the same data as an object literal
 * costs tens of milliseconds of cold start; unpacking it takes about a millisecond.
 *
 * Written with Brotli at its largest standard window (16 MB): the conformance resources'
 * snapshots repeat each other at distances far beyond gzip's 32 KB window, so Brotli
 * makes them a quarter of gzip's size (~70 KB instead of ~270 KB in the bundle). Files
 * written before with gzip (`gzipBase64`) are still read.
 */
import { brotliCompressSync, brotliDecompressSync, constants, gunzipSync } from 'node:zlib';

export type PackedJson = { description: string } & ({ brotliBase64: string } | { gzipBase64: string });

export function unpackJson<T>(packed: PackedJson): T {
  const bytes =
    'brotliBase64' in packed
      ? brotliDecompressSync(Buffer.from(packed.brotliBase64, 'base64'))
      : gunzipSync(Buffer.from(packed.gzipBase64, 'base64'));
  return JSON.parse(bytes.toString('utf8')) as T;
}

/** Deterministic for the same input and the same Brotli build. */
export function packJson(description: string, value: unknown): PackedJson {
  const json = Buffer.from(JSON.stringify(value), 'utf8');
  const compressed = brotliCompressSync(json, {
    params: {
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_LGWIN]: constants.BROTLI_MAX_WINDOW_BITS,
      [constants.BROTLI_PARAM_SIZE_HINT]: json.length,
    },
  });
  return { description, brotliBase64: compressed.toString('base64') };
}
