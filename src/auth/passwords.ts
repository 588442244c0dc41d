import { hash, verify } from '@node-rs/argon2';

/**
 * argon2id with OWASP's second recommended profile (m = 19 MiB, t = 2, p = 1): about 20 ms per hash on one core
 * here (`npm run bench:api` prints the login throughput these give).
 */
export const argon2Parameters = { algorithm: 2 /* Argon2id */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const minPasswordLength = 12;

export function hashPassword(password: string): Promise<string> {
  return hash(password, argon2Parameters);
}

/** False for a wrong password and for a malformed stored hash alike. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}
