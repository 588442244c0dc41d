// needs: nothing (pure logic)
import { describe, expect, it } from 'vitest';
import { generateApiToken, hashApiToken } from '../../src/lib/api-token.ts';

describe('api tokens', () => {
  it('are random, prefixed and long', () => {
    const a = generateApiToken();
    const b = generateApiToken();
    expect(a).not.toBe(b);
    expect(a).toMatch(/^cut_[A-Za-z0-9_-]{43}$/);
  });

  it('hash to a stable SHA-256 that does not contain the token', () => {
    const token = generateApiToken();
    expect(hashApiToken(token)).toBe(hashApiToken(token));
    expect(hashApiToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiToken(token)).not.toContain(token.slice(4));
  });
});
