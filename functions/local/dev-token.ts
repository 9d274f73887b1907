/**
 * Prints an access token from the local dev issuer (`npm start`) for a demo client:
 *
 *   npx tsx functions/local/dev-token.ts <clientId> [--scope "system/Task.rus"] [--patient <Patient id>]
 *                                        [--server http://localhost:8080]
 *
 * A client with a `secret` authenticates with client_secret_basic; one with `jwks`
 * with a SMART Backend Services client assertion (private_key_jwt) signed by its key in
 * functions/local/dev-keys/<clientId>.private.jwk.json. SAMVARD_DEV_CLIENTS names
 * another clients file, as for `npm start`.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT, importJWK } from 'jose';
import { loadDevClients } from './dev-auth.ts';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string): string | undefined => {
    const at = args.indexOf(`--${name}`);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const clientId = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
  const clients = loadDevClients(process.env.SAMVARD_DEV_CLIENTS);
  const client = clients.find((c) => c.clientId === clientId);
  if (!client) {
    throw new Error(`Usage: dev-token.ts <clientId> [--scope ...] [--patient id]; clients: ${clients.map((c) => c.clientId).join(', ')}`);
  }
  const server = (option('server') ?? `http://localhost:${process.env.PORT ?? 8080}`).replace(/\/$/, '');
  const tokenEndpoint = `${server}/oauth2/token`;
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  const scope = option('scope');
  if (scope) form.set('scope', scope);
  const patient = option('patient');
  if (patient) form.set('patient', patient);
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
  if (client.secret) {
    headers.Authorization = `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.secret)}`).toString('base64')}`;
  } else {
    const jwk = JSON.parse(readFileSync(new URL(`./dev-keys/${client.clientId}.private.jwk.json`, import.meta.url), 'utf8'));
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: jwk.alg, kid: jwk.kid, typ: 'JWT' })
      .setIssuer(client.clientId)
      .setSubject(client.clientId)
      .setAudience(tokenEndpoint)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(await importJWK(jwk, jwk.alg));
    form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    form.set('client_assertion', assertion);
  }
  const response = await fetch(tokenEndpoint, { method: 'POST', headers, body: form });
  const body = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
  if (!response.ok || !body.access_token) throw new Error(`${response.status} ${body.error}: ${body.error_description}`);
  console.log(body.access_token);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
