/**
 * Where a webhook may be sent (docs/reliability.md AU-12, docs/webhooks.md "Private
 * networks"): `http:` and `https:` URLs only, without credentials, whose host resolves
 * only to public addresses. Loopback, link-local, private (RFC 1918), unique-local
 * (RFC 4193), CGNAT (RFC 6598), multicast, unspecified and reserved addresses are
 * refused, IPv4 and IPv6 alike, an IPv4-mapped or -compatible IPv6 address (RFC 4291
 * §2.5.5) judged as its IPv4 address, unless the operator allows private networks.
 * The same check runs at registration and at every delivery, and the delivery
 * connects to the address it checked (`lookup` of `http.request`), so a DNS answer
 * that changes in between (rebinding) cannot reach a refused address.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

const BLOCKED = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) BLOCKED.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128], ['::1', 128], ['fe80::', 10], ['fec0::', 10], ['fc00::', 7], ['ff00::', 8], ['2001:db8::', 32], ['100::', 64],
] as const) BLOCKED.addSubnet(net, bits, 'ipv6');

/** A webhook URL or address that may not be used; `message` says why, without secrets. */
export class WebhookUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookUrlError';
  }
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted quad allowed). */
function groups6(ip: string): number[] {
  let text = ip;
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad !== null) {
    const [a, b, c, d] = quad[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : new Array<string>(8 - h.length - t.length).fill('0');
  return [...h, ...zeros, ...t].map((g) => parseInt(g, 16));
}

/** Whether an IP address is one a webhook may not reach without `--webhooks-allow-private-networks`. */
export function isForbiddenAddress(ip: string): boolean {
  const bare = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return BLOCKED.check(bare, 'ipv4');
  if (family !== 6) return true;
  const g = groups6(bare);
  const v4 = `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`;
  const zero = (from: number, to: number): boolean => g.slice(from, to).every((x) => x === 0);
  // RFC 4291 §2.5.5: IPv4-mapped ::ffff:0:0/96 and IPv4-compatible ::/96; RFC 6052 NAT64 64:ff9b::/96.
  if (zero(0, 5) && g[5] === 0xffff) return BLOCKED.check(v4, 'ipv4');
  if (zero(0, 6) && !zero(6, 8) && !(g[6] === 0 && g[7] === 1)) return BLOCKED.check(v4, 'ipv4');
  if (g[0] === 0x64 && g[1] === 0xff9b && zero(2, 6)) return BLOCKED.check(v4, 'ipv4');
  return BLOCKED.check(bare, 'ipv6');
}

/** Checks the form of a webhook URL (scheme, no credentials, a host); returns it parsed. */
export function parseWebhookUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlError('"url" must be an absolute http or https URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new WebhookUrlError('"url" must use http or https');
  if (url.username !== '' || url.password !== '') throw new WebhookUrlError('"url" must not carry credentials');
  if (url.hostname === '') throw new WebhookUrlError('"url" must name a host');
  if (url.hash !== '') throw new WebhookUrlError('"url" must not have a fragment');
  return url;
}

/** Resolves a host; with `allowPrivate` false every address must be public, else the host is refused. */
export async function resolveAllowed(hostname: string, allowPrivate: boolean): Promise<LookupAddress> {
  const host = hostname.replace(/^\[|\]$/g, '');
  const family = isIP(host);
  const addresses: LookupAddress[] = family !== 0 ? [{ address: host, family }] : await dnsLookup(host, { all: true, verbatim: true }).catch(() => {
    throw new WebhookUrlError('the host of the URL does not resolve');
  });
  if (addresses.length === 0) throw new WebhookUrlError('the host of the URL does not resolve');
  if (!allowPrivate && addresses.some((a) => isForbiddenAddress(a.address))) {
    throw new WebhookUrlError('the URL resolves to a loopback, link-local, private or reserved address (--webhooks-allow-private-networks)');
  }
  return addresses[0]!;
}
