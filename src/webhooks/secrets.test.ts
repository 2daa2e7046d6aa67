import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { newSecret, secretBox, sign } from './secrets.ts';

describe('webhook secrets and signatures', () => {
  it('signs what the Standard Webhooks reference library verifies', () => {
    const secret = newSecret();
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    const body = JSON.stringify({ type: 'user.created', timestamp: new Date().toISOString(), data: { id: 'u1' } });
    const ts = Math.floor(Date.now() / 1000);
    const headers = { 'webhook-id': 'evt-1', 'webhook-timestamp': String(ts), 'webhook-signature': sign(secret, 'evt-1', ts, body) };
    assert.deepEqual(new Webhook(secret).verify(body, headers), JSON.parse(body));
    assert.throws(() => new Webhook(newSecret()).verify(body, headers));
    assert.throws(() => new Webhook(secret).verify(`${body} `, headers));
  });

  it('seals secrets so they open only with the same key', () => {
    const key = randomBytes(32);
    const secret = newSecret();
    const sealed = secretBox(key).seal(secret);
    assert.ok(!sealed.includes(secret.slice(6, 20)));
    assert.equal(secretBox(key).open(sealed), secret);
    assert.throws(() => secretBox(randomBytes(32)).open(sealed));
  });
});
