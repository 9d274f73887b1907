/**
 * The signature on every notification: `X-Samvard-Signature: t=<unix seconds>,v1=<hex>`,
 * where `<hex>` is HMAC-SHA256, keyed with the subscription's secret, of
 * `<unix seconds>.<request body>`. The receiver recomputes it over the raw body it got,
 * compares in constant time, and rejects a timestamp too far from its clock (a replay).
 * An empty body (classic subscription without payload) is signed as the empty string.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Samvard-Signature';

/** The header value for `body`, signed at `timestampSeconds`. */
export function signatureHeader(secret: string, body: string, timestampSeconds: number): string {
  return `t=${timestampSeconds},v1=${hmac(secret, `${timestampSeconds}.${body}`)}`;
}

/**
 * Whether `header` is a valid signature of `body` with `secret`, made within
 * `toleranceSeconds` of `nowSeconds`. Receivers can copy this function.
 */
export function verifySignature(
  secret: string,
  header: string | null | undefined,
  body: string,
  options: { toleranceSeconds?: number; nowSeconds?: number } = {},
): boolean {
  const parts = new Map(
    (header ?? '').split(',').map((p) => {
      const at = p.indexOf('=');
      return [p.slice(0, at).trim(), p.slice(at + 1).trim()] as const;
    }),
  );
  const timestamp = Number(parts.get('t'));
  const signature = parts.get('v1') ?? '';
  if (!Number.isInteger(timestamp) || !/^[0-9a-f]{64}$/.test(signature)) return false;
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(hmac(secret, `${timestamp}.${body}`), 'hex');
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}

function hmac(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload, 'utf8').digest('hex');
}
