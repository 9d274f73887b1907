/**
 * `riv.getcareplans.v2` as XML (`application/xml`, `text/xml`): the GetCarePlans 2.0
 * response as NPÖ producers send it, read with fast-xml-parser into the tree the schema
 * describes (the JSON form): namespace prefixes dropped, attributes (`xmlns`, `xsi:type`)
 * ignored, text kept as strings (`parseTagValue: false`, so `0042` stays `0042`),
 * `carePlan` and `participatingCareUnitHSAId` always arrays. A response still in its SOAP
 * `Envelope`/`Body` is unwrapped.
 *
 * Refused with a 400 before the schema: XML that is not well formed (with the line and
 * column), a DOCTYPE (RIV-TA has no DTD; refusing it rules out entity expansion), and
 * element names the parser will not take (`__proto__`).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { OperationOutcomeError, invalid } from '../../functions/core/outcomes.ts';
import type { ReadDocument } from '../common/format.ts';

const ARRAYS = new Set(['carePlan', 'participatingCareUnitHSAId']);

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
  isArray: (tagName) => ARRAYS.has(tagName),
});

function fail(text: string): never {
  throw new OperationOutcomeError(invalid([{ severity: 'error', code: 'structure', details: { text } }]));
}

export function readGetCarePlansXml(text: string): ReadDocument {
  if (/<!DOCTYPE/i.test(text)) fail('XML med DOCTYPE tas inte emot. / XML with a DOCTYPE is not taken.');
  const valid = XMLValidator.validate(text);
  if (valid !== true) fail(`Felaktig XML / Malformed XML: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
  let tree: unknown;
  try {
    tree = parser.parse(text);
  } catch (err) {
    fail(`Felaktig XML / Malformed XML: ${(err as Error).message}`);
  }
  return { value: unwrapSoap(tree), describe: (path) => (path ? `XML element ${path.replace(/\[(\d+)\]/g, (_, i) => `[${Number(i) + 1}]`).replaceAll('.', '/')}` : undefined) };
}

/** `Envelope.Body.GetCarePlansResponse` → `{ GetCarePlansResponse }`. */
function unwrapSoap(tree: unknown): unknown {
  const envelope = (tree as { Envelope?: { Body?: unknown } } | undefined)?.Envelope;
  return envelope && typeof envelope === 'object' && envelope.Body && typeof envelope.Body === 'object' ? envelope.Body : tree;
}
