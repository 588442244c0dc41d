import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newTotpSecret, openSecret, sealSecret, totpCode, totpStep } from '../../src/auth/totp.ts';

const keys = [{ id: 'k-old', key: randomBytes(32) }, { id: 'k-new', key: randomBytes(32) }];

describe('TOTP', () => {
  it('makes a secret an authenticator can scan, and accepts its code within one step either side', () => {
    const { secret, uri } = newTotpSecret('ada@example.test');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(uri).toMatch(/^otpauth:\/\/totp\/Cutover:ada%40example\.test\?issuer=Cutover&secret=[A-Z2-7]+&algorithm=SHA1&digits=6&period=30$/);
    const now = Date.now();
    const step = Math.floor(now / 30_000);
    expect(totpStep(secret, totpCode(secret, now), now)).toBe(step);
    expect(totpStep(secret, totpCode(secret, now - 30_000), now)).toBe(step - 1);
    expect(totpStep(secret, totpCode(secret, now + 30_000), now)).toBe(step + 1);
    expect(totpStep(secret, totpCode(secret, now - 90_000), now)).toBeNull();
    expect(totpStep(secret, 'abcdef', now)).toBeNull();
    expect(totpStep(newTotpSecret('x@example.test').secret, totpCode(secret, now), now)).toBeNull();
  });

  it('seals a secret with the newest key so that no part of it shows, opens it with any key, refuses a tampered one', async () => {
    const sealed = await sealSecret(keys, 'JBSWY3DPEHPK3PXP');
    expect(sealed).toMatch(/^v1:k-new:/);
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(await openSecret(keys, sealed)).toBe('JBSWY3DPEHPK3PXP');
    const data = Buffer.from(sealed.split(':')[2]!, 'base64');
    data[data.length - 1]! ^= 1;
    await expect(openSecret(keys, `v1:k-new:${data.toString('base64')}`)).rejects.toThrow(/failed authentication/);
    await expect(openSecret(keys.slice(0, 1), sealed)).rejects.toThrow(/not configured/);
  });
});
