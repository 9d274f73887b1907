/**
 * Errors for bad configuration, for the schemas of the functions' settings (config.ts,
 * subscriptions/config.ts, events/dependencies.ts). Those use `zod/mini`, zod 4's
 * tree-shakable build, so a Lambda bundle carries only the checks it uses rather than
 * all of classic zod (which stays in mappings/, for the vendors' document schemas and
 * their JSON Schema export).
 *
 * zod/mini loads no locale: without one every issue reads only "Invalid input". This
 * module loads the English one, as classic zod does, so the errors stay as specific as
 * before ("Too small: expected string to have >=3 characters → at SAMVARD_RESOURCE_TABLE").
 * Import it wherever a configuration schema is parsed.
 */
import { type core, config, prettifyError } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

/** `Invalid <what>: ✖ <issue> → at <VARIABLE>`, one issue per line. */
export function invalidConfiguration(what: string, error: core.$ZodError): Error {
  return new Error(`Invalid ${what}: ${prettifyError(error)}`);
}
