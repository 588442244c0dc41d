import { createHash, randomBytes } from 'node:crypto';

/** A new random token: 32 bytes of entropy, so a plain SHA-256 is a safe way to store it. */
export function generateApiToken(prefix = 'cut_'): string {
  return prefix + randomBytes(32).toString('base64url');
}

export function hashApiToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
