import type { lookup, LookupAddress, LookupOptions } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { expectFerryError } from '../../test/support/ferry-errors.js';
import {
  checkCallbackUrl,
  classifyAddress,
  guardedLookup,
  REFUSED_ADDRESS_CODE,
  refusedAddress,
} from './callback-url-guard.js';

const strict = { allowLoopback: false };
const loopbackAllowed = { allowLoopback: true };

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['169.254.169.254', 'metadata'],
    ['169.254.170.2', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['169.254.0.1', 'link-local'],
    ['169.254.255.255', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'multicast'],
    ['ff02::1', 'multicast'],
    ['240.0.0.1', 'reserved'],
    // IPv4 addresses inside IPv6 reach the IPv4 host, so they are judged as that host.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::169.254.169.254', 'metadata'],
    ['2002:a9fe:a9fe::1', 'metadata'],
    ['2002:7f00:1::', 'loopback'],
    ['93.184.216.34', 'public'],
    ['10.0.0.1', 'public'],
    ['192.168.1.10', 'public'],
    ['2606:2800:220:1:248:1893:25c8:1946', 'public'],
    ['::ffff:93.184.216.34', 'public'],
    ['fec0::1', 'public'],
  ])('classifies %s as %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it('returns undefined for host names', () => {
    expect(classifyAddress('example.com')).toBeUndefined();
  });

  it('refuses loopback unless allowed; link-local and metadata even then', () => {
    expect(refusedAddress('127.0.0.1', strict)).toMatch(/loopback/);
    expect(refusedAddress('127.0.0.1', loopbackAllowed)).toBeUndefined();
    expect(refusedAddress('::1', loopbackAllowed)).toBeUndefined();
    expect(refusedAddress('169.254.169.254', loopbackAllowed)).toMatch(/metadata/);
    expect(refusedAddress('fe80::1', loopbackAllowed)).toMatch(/link-local/);
    expect(refusedAddress('0.0.0.0', loopbackAllowed)).toMatch(/unspecified/);
  });
});

describe('checkCallbackUrl', () => {
  it.each([
    'http://127.0.0.1:9000/cb',
    'http://127.1/cb',
    'http://2130706433/cb',
    'http://0x7f000001/cb',
    'http://[::1]/cb',
    'http://[::ffff:127.0.0.1]/cb',
    'http://localhost:8080/cb',
    'http://LOCALHOST./cb',
    'http://api.localhost/cb',
  ])('refuses the loopback URL %s by default and allows it when configured', async (url) => {
    await expectFerryError(() => checkCallbackUrl(url, strict), 'INVALID_CALLBACK_URL', 'loopback');
    expect(checkCallbackUrl(url, loopbackAllowed)).toBeInstanceOf(URL);
  });

  it.each([
    ['http://169.254.169.254/latest/meta-data/', 'metadata'],
    ['http://[fd00:ec2::254]/', 'metadata'],
    ['http://metadata.google.internal/computeMetadata/v1/', 'metadata'],
    ['http://METADATA.google.internal./', 'metadata'],
    ['http://metadata/', 'metadata'],
    ['http://169.254.1.1/', 'link-local'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://0.0.0.0:8080/', 'unspecified'],
    ['http://[::]/', 'unspecified'],
    ['http://[::ffff:169.254.169.254]/', 'metadata'],
  ])('refuses %s (%s) even when loopback is allowed', async (url, why) => {
    await expectFerryError(() => checkCallbackUrl(url, loopbackAllowed), 'INVALID_CALLBACK_URL', why);
  });

  it.each([
    ['ftp://example.com/cb', 'http: or https:'],
    ['file:///etc/passwd', 'http: or https:'],
    ['javascript:alert(1)', 'http: or https:'],
    ['/relative/path', 'absolute URL'],
    ['https://user:secret@example.com/cb', 'credentials'],
    [`https://example.com/${'a'.repeat(3000)}`, 'longer than'],
  ])('refuses %s', async (url, why) => {
    await expectFerryError(() => checkCallbackUrl(url, loopbackAllowed), 'INVALID_CALLBACK_URL', why);
  });

  it('accepts public http and https URLs, and private network addresses', () => {
    expect(checkCallbackUrl('https://hooks.example.com/ferry?token=abc', strict).hostname).toBe(
      'hooks.example.com',
    );
    expect(checkCallbackUrl('http://10.1.2.3:8080/cb', strict).port).toBe('8080');
    expect(checkCallbackUrl('http://[2606:2800:220:1::1]/cb', strict).hostname).toBe('[2606:2800:220:1::1]');
  });
});

/** A resolver that answers every name with `addresses`. */
function fakeResolver(addresses: LookupAddress[]) {
  return ((_host: string, _options: LookupOptions, callback: (e: null, a: LookupAddress[]) => void) =>
    callback(null, addresses)) as unknown as typeof lookup;
}

function lookupWith(policy: { allowLoopback: boolean }, addresses: LookupAddress[], all: boolean) {
  return new Promise<{ error: NodeJS.ErrnoException | null; address: unknown; family?: number }>((resolve) =>
    guardedLookup(policy, fakeResolver(addresses))('hooks.example.com', { all }, (error, address, family) =>
      resolve({ error, address, ...(family === undefined ? {} : { family }) }),
    ),
  );
}

describe('guardedLookup', () => {
  it('refuses a host name that resolves to a metadata address (DNS pointing inwards)', async () => {
    const { error } = await lookupWith(loopbackAllowed, [{ address: '169.254.169.254', family: 4 }], false);
    expect(error?.code).toBe(REFUSED_ADDRESS_CODE);
    expect(error?.message).toContain('hooks.example.com (169.254.169.254)');
  });

  it('refuses a host when any of its addresses is refused', async () => {
    const addresses = [
      { address: '93.184.216.34', family: 4 },
      { address: '::1', family: 6 },
    ];
    expect((await lookupWith(strict, addresses, true)).error?.code).toBe(REFUSED_ADDRESS_CODE);
    expect((await lookupWith(loopbackAllowed, addresses, true)).address).toEqual(addresses);
  });

  it('answers in the form asked for: one address, or all of them', async () => {
    const addresses = [{ address: '93.184.216.34', family: 4 }];
    expect(await lookupWith(strict, addresses, false)).toEqual({
      error: null,
      address: '93.184.216.34',
      family: 4,
    });
    expect(await lookupWith(strict, addresses, true)).toEqual({ error: null, address: addresses });
  });

  it('refuses loopback and metadata host names without resolving them', async () => {
    const never = (() => {
      throw new Error('resolved');
    }) as unknown as typeof lookup;
    const refused = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      guardedLookup(loopbackAllowed, never)('metadata.google.internal', {}, (error) => resolve(error)),
    );
    expect(refused?.code).toBe(REFUSED_ADDRESS_CODE);
  });
});
