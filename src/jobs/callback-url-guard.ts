import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { FerryError } from '../core/index.js';

/** What callback URLs may point at. */
export interface CallbackUrlPolicy {
  /** Allow loopback addresses (`jobs.allowLoopbackCallbacks`); link-local and metadata never are. */
  readonly allowLoopback: boolean;
  /** The setting a refusal of a loopback address names (default `jobs.allowLoopbackCallbacks`). */
  readonly loopbackSetting?: string | undefined;
}

/** The kinds of address a callback may not reach (loopback only when the policy allows it). */
export type AddressClass =
  'public' | 'loopback' | 'link-local' | 'metadata' | 'unspecified' | 'multicast' | 'reserved';

const MAX_URL_LENGTH = 2048;

/** Host names of cloud instance-metadata services (GCP, AWS), refused whatever they resolve to. */
const METADATA_HOSTS = [
  'metadata.google.internal',
  'metadata.goog',
  'metadata',
  'instance-data',
  'instance-data.ec2.internal',
];

/** Metadata endpoints outside the link-local range: Alibaba Cloud, AWS over IPv6. */
const METADATA_ADDRESSES = new Set(['100.100.100.200', 'fd00:ec2:0:0:0:0:0:254']);

const DESCRIPTIONS: Record<Exclude<AddressClass, 'public'>, string> = {
  loopback: 'a loopback address (allow it with jobs.allowLoopbackCallbacks)',
  'link-local': 'a link-local address (169.254.0.0/16 or fe80::/10, where cloud metadata services live)',
  metadata: 'a cloud metadata service',
  unspecified: 'the unspecified address (0.0.0.0 or ::), which reaches this host',
  multicast: 'a multicast or broadcast address',
  reserved: 'a reserved address',
};

/** Parse a dotted-quad IPv4 address into 4 bytes. */
function parseIpv4(text: string): number[] | undefined {
  if (isIP(text) !== 4) return undefined;
  return text.split('.').map(Number);
}

/** Parse an IPv6 address (with `::`, an IPv4 tail, or a `%zone`) into 16 bytes. */
function parseIpv6(text: string): number[] | undefined {
  const address = text.split('%')[0] ?? '';
  if (isIP(address) !== 6) return undefined;
  let head = address;
  const tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (v4?.[1] !== undefined) {
    tail.push(...(parseIpv4(v4[1]) ?? []));
    head = address.slice(0, -v4[1].length);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const groups = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => [parseInt(group, 16) >> 8, parseInt(group, 16) & 255]);
  const [before = '', after] = head.split('::');
  const left = groups(before);
  const right = [...(after === undefined ? [] : groups(after)), ...tail];
  const missing = 16 - left.length - right.length;
  return [...left, ...new Array<number>(Math.max(0, missing)).fill(0), ...right];
}

function classifyIpv4([a = 0, b = 0, c = 0, d = 0]: number[]): AddressClass {
  const text = `${a}.${b}.${c}.${d}`;
  if (a === 127) return 'loopback';
  if (a === 0) return 'unspecified';
  if (METADATA_ADDRESSES.has(text) || text === '169.254.169.254' || text === '169.254.170.2')
    return 'metadata';
  if (a === 169 && b === 254) return 'link-local';
  if (a >= 224 && a <= 239) return 'multicast';
  if (a >= 240) return text === '255.255.255.255' ? 'multicast' : 'reserved';
  return 'public';
}

function classifyIpv6(bytes: number[]): AddressClass {
  const zeroUpTo = (end: number) => bytes.slice(0, end).every((byte) => byte === 0);
  const embedded = (offset: number) => classifyIpv4(bytes.slice(offset, offset + 4));
  if (zeroUpTo(16)) return 'unspecified';
  if (zeroUpTo(15) && bytes[15] === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) addresses reach the IPv4 host.
  if (zeroUpTo(10) && bytes[10] === 0xff && bytes[11] === 0xff) return embedded(12);
  if (zeroUpTo(12)) return embedded(12);
  // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address too.
  if (
    bytes[0] === 0 &&
    bytes[1] === 0x64 &&
    bytes[2] === 0xff &&
    bytes[3] === 0x9b &&
    bytes.slice(4, 12).every((b) => b === 0)
  ) {
    return embedded(12);
  }
  if (bytes[0] === 0x20 && bytes[1] === 0x02) {
    const inner = embedded(2);
    if (inner !== 'public') return inner;
  }
  const hex = [];
  for (let i = 0; i < 16; i += 2) hex.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  if (METADATA_ADDRESSES.has(hex.join(':'))) return 'metadata';
  if (bytes[0] === 0xfe && ((bytes[1] ?? 0) & 0xc0) === 0x80) return 'link-local';
  if (bytes[0] === 0xff) return 'multicast';
  return 'public';
}

/** Classify an IP address (v4 or v6, any textual form Node accepts); undefined for a host name. */
export function classifyAddress(address: string): AddressClass | undefined {
  const v4 = parseIpv4(address);
  if (v4 !== undefined) return classifyIpv4(v4);
  const v6 = parseIpv6(address.replace(/^\[|\]$/g, ''));
  return v6 === undefined ? undefined : classifyIpv6(v6);
}

/** The description of a refused loopback address, naming the setting that allows it. */
function loopbackRefusal(policy: CallbackUrlPolicy): string {
  return policy.loopbackSetting === undefined
    ? DESCRIPTIONS.loopback
    : `a loopback address (allow it with ${policy.loopbackSetting})`;
}

/** Why `address` may not receive callbacks under `policy`, or undefined when it may. */
export function refusedAddress(address: string, policy: CallbackUrlPolicy): string | undefined {
  const kind = classifyAddress(address);
  if (kind === undefined || kind === 'public') return undefined;
  if (kind === 'loopback') return policy.allowLoopback ? undefined : loopbackRefusal(policy);
  return DESCRIPTIONS[kind];
}

/** Why a host name may not receive callbacks, before any lookup (loopback and metadata names). */
function refusedHostName(host: string, policy: CallbackUrlPolicy): string | undefined {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) {
    return policy.allowLoopback ? undefined : loopbackRefusal(policy);
  }
  if (METADATA_HOSTS.some((metadata) => name === metadata || name.endsWith(`.${metadata}`))) {
    return DESCRIPTIONS.metadata;
  }
  return undefined;
}

const invalid = (url: string, why: string): FerryError =>
  new FerryError('INVALID_CALLBACK_URL', `callback URL '${url.slice(0, 200)}' ${why}`, {
    details: { callbackUrl: url.slice(0, 200) },
  });

/**
 * Check a callback URL as far as can be known without a lookup: absolute http(s), no credentials,
 * and no host that is (or is named as) a loopback, link-local, unspecified, multicast or metadata
 * address. Throws INVALID_CALLBACK_URL; returns the parsed URL. Host names are checked again when
 * a callback is sent, against every address they resolve to (`guardedLookup`).
 */
export function checkCallbackUrl(text: string, policy: CallbackUrlPolicy): URL {
  if (text.length > MAX_URL_LENGTH) throw invalid(text, `is longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(text, 'is not an absolute URL; write e.g. https://example.com/ferry-callback');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid(text, `uses ${url.protocol.slice(0, 20)}; callbacks are sent over http: or https: only`);
  }
  if (url.username !== '' || url.password !== '') {
    throw invalid(text, 'carries credentials; put a token in the path or query instead');
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const refused =
    classifyAddress(host) === undefined ? refusedHostName(host, policy) : refusedAddress(host, policy);
  if (refused !== undefined)
    throw invalid(text, `points at ${refused}; use an address the callback may reach`);
  return url;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** The `lookup` signature `net.connect` calls (Node's http and https agents pass it through). */
export type GuardedLookup = (hostname: string, options: LookupOptions, callback: LookupCallback) => void;

/**
 * A DNS lookup for outgoing callback connections that refuses a host when any address it resolves
 * to is refused by `policy`. The connection uses exactly the addresses checked, so a host cannot
 * pass the check with one answer and connect to another (DNS rebinding).
 */
export function guardedLookup(
  policy: CallbackUrlPolicy,
  resolve: typeof dnsLookup = dnsLookup,
): GuardedLookup {
  return (hostname, options, callback) => {
    const byName = refusedHostName(hostname, policy);
    if (byName !== undefined) {
      callback(refusedError(hostname, hostname, byName), []);
      return;
    }
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error !== null) {
        callback(error, []);
        return;
      }
      for (const { address } of addresses) {
        const why = refusedAddress(address, policy);
        if (why !== undefined) {
          callback(refusedError(hostname, address, why), []);
          return;
        }
      }
      if (options.all === true) {
        callback(null, addresses);
        return;
      }
      const first = addresses[0];
      if (first === undefined)
        callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
      else callback(null, first.address, first.family);
    });
  };
}

/** The error code a refused lookup fails with, so a sender can tell it from a network error. */
export const REFUSED_ADDRESS_CODE = 'EFERRY_REFUSED_ADDRESS';

function refusedError(hostname: string, address: string, why: string): NodeJS.ErrnoException {
  const shown = address === hostname ? hostname : `${hostname} (${address})`;
  return Object.assign(new Error(`callback host ${shown} is ${why}; the callback was not sent`), {
    code: REFUSED_ADDRESS_CODE,
  });
}
