/**
 * The SSRF guard of the subscription path: samvard POSTs notifications only to public
 * addresses, never to private, loopback, link-local or metadata ones (a Subscription's
 * `channel.endpoint` or an Endpoint's `address` could otherwise make samvard reach into
 * the network it runs in, e.g. the instance metadata service at 169.254.169.254).
 *
 * Checked when written (subscription-model.ts, party-channel.ts: the URL's host as
 * written, and what its name resolves to then) and again before every POST
 * (delivery.ts: the name resolved again, every address checked, since DNS can change).
 * Rule `private-endpoint`. `SAMVARD_ALLOW_PRIVATE_ENDPOINTS=1` turns it off, for local
 * development and the tests only (their receivers listen on 127.0.0.1); `npm start` sets it.
 *
 * The host is taken from the WHATWG URL parser, which already turns other spellings of an
 * IPv4 address (`2130706433`, `0x7f.1`, `017700000001`, `127.1`) into the dotted form and
 * writes IPv6 in its short form (`[::ffff:7f00:1]` for `::ffff:127.0.0.1`). IPv6 forms
 * that carry an IPv4 address (IPv4-mapped `::ffff:0:0/96`, IPv4-compatible `::/96`,
 * NAT64 `64:ff9b::/96`) are judged by that IPv4 address.
 *
 * Left open: between the check before a POST and the connection `fetch` makes, the name
 * is resolved again (a DNS answer changed in that instant is not seen).
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export const PRIVATE_ENDPOINT_RULE = 'private-endpoint';

/** What a host name resolves to (all addresses); throws when it cannot be resolved. */
export type Lookup = (hostname: string) => Promise<string[]>;

export const systemLookup: Lookup = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

interface Range {
  /** The first address, as a number (IPv4) or bigint (IPv6). */
  start: bigint;
  bits: number;
  text: string;
  kind: string;
}

const v4 = (cidr: string, kind: string): Range => {
  const [address, bits] = cidr.split('/') as [string, string];
  return { start: ipv4Value(address) as bigint, bits: Number(bits), text: cidr, kind };
};
const v6 = (cidr: string, kind: string): Range => {
  const [address, bits] = cidr.split('/') as [string, string];
  return { start: ipv6Value(address) as bigint, bits: Number(bits), text: cidr, kind };
};

const IPV4_RANGES: readonly Range[] = [
  v4('169.254.169.254/32', 'the cloud instance metadata address'),
  v4('0.0.0.0/8', 'an unspecified ("this network") address'),
  v4('10.0.0.0/8', 'a private address'),
  v4('100.64.0.0/10', 'a shared (carrier-grade NAT) address'),
  v4('127.0.0.0/8', 'a loopback address'),
  v4('169.254.0.0/16', 'a link-local address'),
  v4('172.16.0.0/12', 'a private address'),
  v4('192.168.0.0/16', 'a private address'),
  v4('224.0.0.0/4', 'a multicast address'),
  v4('240.0.0.0/4', 'a reserved or broadcast address'),
];

const IPV6_RANGES: readonly Range[] = [
  v6('::/128', 'the unspecified address'),
  v6('::1/128', 'the loopback address'),
  v6('fc00::/7', 'a unique local (private) address'),
  v6('fe80::/10', 'a link-local address'),
  v6('fec0::/10', 'a site-local (private) address'),
  v6('ff00::/8', 'a multicast address'),
];

/** IPv6 prefixes whose last 32 bits are an IPv4 address the packet goes to. */
const IPV4_CARRIERS: readonly Range[] = [
  v6('::ffff:0:0/96', 'IPv4-mapped'),
  v6('::/96', 'IPv4-compatible'),
  v6('64:ff9b::/96', 'NAT64'),
];

function inRange(value: bigint, range: Range, width: number): boolean {
  const shift = BigInt(width - range.bits);
  return value >> shift === range.start >> shift;
}

function ipv4Value(address: string): bigint | undefined {
  const parts = address.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((n, p) => (n << 8n) + BigInt(Number(p)), 0n);
}

function ipv6Value(address: string): bigint | undefined {
  let text = address.replace(/^\[|\]$/g, '').split('%')[0] as string;
  // A trailing dotted IPv4 part (`::ffff:127.0.0.1`) is two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const value = ipv4Value(dotted[1] as string);
    if (value === undefined) return undefined;
    text = `${text.slice(0, dotted.index)}${(value >> 16n).toString(16)}:${(value & 0xffffn).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return groups.reduce((n, g) => (n << 16n) + BigInt(Number.parseInt(g, 16)), 0n);
}

/**
 * Why `address` (an IPv4 or IPv6 address, IPv6 with or without brackets) is not a
 * public address, e.g. `a loopback address (127.0.0.0/8)`; undefined when it is public.
 * Something that is not an IP address is undefined too.
 */
export function nonPublicAddress(address: string): string | undefined {
  const bare = address.replace(/^\[|\]$/g, '');
  const family = isIP(bare.split('%')[0] as string);
  if (family === 4) {
    const value = ipv4Value(bare) as bigint;
    const range = IPV4_RANGES.find((r) => inRange(value, r, 32));
    return range ? `${range.kind} (${range.text})` : undefined;
  }
  if (family !== 6) return undefined;
  const value = ipv6Value(bare);
  if (value === undefined) return undefined;
  const own = IPV6_RANGES.find((r) => inRange(value, r, 128));
  if (own) return `${own.kind} (${own.text})`;
  const carrier = IPV4_CARRIERS.find((r) => inRange(value, r, 128));
  if (!carrier) return undefined;
  const embedded = value & 0xffffffffn;
  const ipv4 = [24n, 16n, 8n, 0n].map((s) => String((embedded >> s) & 0xffn)).join('.');
  const reason = nonPublicAddress(ipv4);
  return reason ? `${carrier.kind} ${ipv4}, ${reason}` : undefined;
}

/** The host of a URL without brackets and a trailing dot, lower case. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
}

/**
 * Why the URL's host, as written, is not public: an IP address in a private range, or a
 * `localhost` name (RFC 6761: always loopback). Undefined otherwise (a name is checked by
 * {@link resolveDestination}).
 */
export function nonPublicHost(url: URL): string | undefined {
  const host = hostOf(url);
  if (host === 'localhost' || host.endsWith('.localhost')) return `${host} is a loopback name`;
  const reason = nonPublicAddress(host);
  return reason ? `${host} is ${reason}` : undefined;
}

export type Destination =
  | { public: true; addresses: string[] }
  | { public: false; reason: string }
  | { public: undefined; reason: string };

/**
 * Resolves the URL's host and checks every address it resolves to: `public` false with
 * the reason when one is not public, undefined when the name cannot be resolved now.
 */
export async function resolveDestination(url: URL, lookup: Lookup = systemLookup): Promise<Destination> {
  const written = nonPublicHost(url);
  if (written) return { public: false, reason: written };
  const host = hostOf(url);
  if (isIP(host)) return { public: true, addresses: [host] };
  let addresses: string[];
  try {
    addresses = await lookup(host);
  } catch (err) {
    return { public: undefined, reason: `${host} cannot be resolved (${(err as { code?: string }).code ?? (err as Error).message})` };
  }
  if (addresses.length === 0) return { public: undefined, reason: `${host} resolves to no address` };
  for (const address of addresses) {
    const reason = nonPublicAddress(address);
    if (reason) return { public: false, reason: `${host} resolves to ${address}, ${reason}` };
  }
  return { public: true, addresses };
}

/** The text of a refusal: the rule, then why. */
export function privateEndpointText(what: string, reason: string): string {
  return (
    `${PRIVATE_ENDPOINT_RULE}: ${what} must be a public address; ${reason}. ` +
    'samvard does not send notifications to private, loopback, link-local or metadata addresses'
  );
}
