import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isForbiddenAddress, parseWebhookUrl, resolveAllowed, WebhookUrlError } from './address.ts';

describe('webhook addresses (docs/reliability.md AU-12)', () => {
  it('refuses loopback, link-local, private, unique-local, CGNAT, multicast and unspecified addresses', () => {
    for (const ip of [
      '127.0.0.1', '127.255.0.9', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1',
      '0.0.0.0', '224.0.0.1', '255.255.255.255', '::', '::1', 'fe80::1', 'fd00::1', 'fc00::5', 'ff02::1',
      '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:a9fe:a9fe', '::127.0.0.1', '64:ff9b::a00:1', '[::1]', 'not-an-ip',
    ]) assert.equal(isForbiddenAddress(ip), true, ip);
  });

  it('accepts public addresses, IPv4 and IPv6', () => {
    for (const ip of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808']) {
      assert.equal(isForbiddenAddress(ip), false, ip);
    }
  });

  it('accepts only http and https URLs without credentials', () => {
    assert.equal(parseWebhookUrl('https://example.com/hook').hostname, 'example.com');
    for (const bad of ['ftp://example.com/', 'file:///etc/passwd', 'https://user:pw@example.com/', 'not a url', 'https://example.com/#x']) {
      assert.throws(() => parseWebhookUrl(bad), WebhookUrlError, bad);
    }
  });

  it('refuses a host that resolves to loopback unless private networks are allowed', async () => {
    await assert.rejects(resolveAllowed('localhost', false), WebhookUrlError);
    await assert.rejects(resolveAllowed('[::1]', false), WebhookUrlError);
    await assert.rejects(resolveAllowed('127.0.0.1', false), WebhookUrlError);
    assert.equal((await resolveAllowed('127.0.0.1', true)).address, '127.0.0.1');
  });
});
