import { METADATA_ENCODING_KEY } from '@temporalio/common';
import { Secret, TOTP } from 'otpauth';
import { AesGcmPayloadCodec, cipherMetadataKey, encryptedEncoding, keyIdMetadataKey, type PayloadKey } from '../temporal/codec.ts';

/**
 * TOTP as a second factor for step-up (RFC 6238 with the authenticator apps' defaults: SHA-1, 6 digits, 30 s),
 * on otpauth. The secret is kept sealed with the platform's payload keys (AES-256-GCM, the key id in clear so
 * keys rotate), never in clear in the database, and is shown once, at enrolment.
 */
const issuer = 'Cutover';
const period = 30;
/** One step either side: a phone's clock a little off, or a code typed as it turned over. */
const window = 1;

function totpOf(secret: string, label = 'cutover'): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period, secret: Secret.fromBase32(secret) });
}

/** A new random secret (160 bits) and the otpauth:// URI an authenticator app scans. */
export function newTotpSecret(email: string): { secret: string; uri: string } {
  const secret = new Secret({ size: 20 }).base32;
  return { secret, uri: totpOf(secret, email).toString() };
}

/** The current code of a secret (tests and the demo act as the phone). */
export function totpCode(secret: string, now = Date.now()): string {
  return totpOf(secret).generate({ timestamp: now });
}

/**
 * The time step a code belongs to when it is valid now (within one step), else null. The caller refuses a step
 * already used, so a code seen over a shoulder cannot be replayed.
 */
export function totpStep(secret: string, code: string, now = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totpOf(secret).validate({ token: code, timestamp: now, window });
  return delta === null ? null : TOTP.counter({ period, timestamp: now }) + delta;
}

/** Seals a secret for the database: `v1:<key id>:<base64 of nonce, ciphertext and tag>` (key ids never hold ':'). */
export async function sealSecret(keys: readonly PayloadKey[], plain: string): Promise<string> {
  const [payload] = await new AesGcmPayloadCodec(keys).encode([{ metadata: {}, data: Buffer.from(plain, 'utf8') }]);
  const keyId = Buffer.from(payload!.metadata![keyIdMetadataKey]!).toString();
  return `v1:${keyId}:${Buffer.from(payload!.data!).toString('base64')}`;
}

/** Opens what sealSecret wrote; throws (PayloadDecryptionError) for a tampered value or an unknown key. */
export async function openSecret(keys: readonly PayloadKey[], sealed: string): Promise<string> {
  const [version, keyId, data] = sealed.split(':');
  if (version !== 'v1' || !keyId || !data) throw new Error('not a sealed secret');
  const [payload] = await new AesGcmPayloadCodec(keys).decode([
    {
      metadata: { [METADATA_ENCODING_KEY]: Buffer.from(encryptedEncoding), [keyIdMetadataKey]: Buffer.from(keyId), [cipherMetadataKey]: Buffer.from('AES-256-GCM') },
      data: Buffer.from(data, 'base64'),
    },
  ]);
  return Buffer.from(payload!.data!).toString('utf8');
}
