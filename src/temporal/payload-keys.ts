import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { payloadKeyIdPattern, type PayloadKey } from './codec.ts';

const base64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * `id:base64-of-32-bytes` entries, oldest first (the last one encrypts), separated by commas or line breaks;
 * in a key file, lines starting with `#` are comments. Errors name the entry, never the key material.
 */
export function parsePayloadKeys(text: string): PayloadKey[] {
  const entries = text
    .split('\n')
    .filter((line) => !line.trim().startsWith('#'))
    .flatMap((line) => line.split(','))
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) throw new Error('no keys: expected id:base64-of-32-bytes[,id:base64...]');
  const seen = new Set<string>();
  return entries.map((entry, index) => {
    const colon = entry.indexOf(':');
    const id = colon === -1 ? '' : entry.slice(0, colon);
    if (!payloadKeyIdPattern.test(id)) {
      throw new Error(`entry ${index + 1} is not id:base64-of-32-bytes (the id: letters, digits, . _ -, at most 64)`);
    }
    if (seen.has(id)) throw new Error(`key id ${id} appears twice`);
    seen.add(id);
    const encoded = entry.slice(colon + 1);
    const key = base64.test(encoded) ? Buffer.from(encoded, 'base64') : undefined;
    if (key?.length !== 32) throw new Error(`key ${id} is not 32 bytes of base64 (make one with: openssl rand -base64 32)`);
    return { id, key };
  });
}

/** CUTOVER_PAYLOAD_KEYS in the config schema: parsed and checked when the config is loaded. */
export const payloadKeysSchema = z.string().transform((text, ctx) => {
  try {
    return parsePayloadKeys(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

export function formatPayloadKeys(keys: readonly PayloadKey[]): string {
  return keys.map(({ id, key }) => `${id}:${key.toString('base64')}`).join(',');
}

/** A fresh random key; the id defaults to the day it was made plus a random suffix. */
export function newPayloadKey(id = `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}-${randomBytes(3).toString('hex')}`): PayloadKey {
  return { id, key: randomBytes(32) };
}

/** Where a single-machine setup keeps its keys when CUTOVER_PAYLOAD_KEYS is unset. */
export const payloadKeyFile = (dataDir: string) => path.resolve(dataDir, 'payload-keys');

/**
 * The keys of this process: CUTOVER_PAYLOAD_KEYS, or else the key file in CUTOVER_DATA_DIR, created with one new
 * key on first use. The file only works while the API and every worker share one CUTOVER_DATA_DIR (one machine).
 */
export function resolvePayloadKeys(config: Pick<Config, 'CUTOVER_PAYLOAD_KEYS' | 'CUTOVER_DATA_DIR'>, logger: Logger): PayloadKey[] {
  if (config.CUTOVER_PAYLOAD_KEYS) return config.CUTOVER_PAYLOAD_KEYS;
  const file = payloadKeyFile(config.CUTOVER_DATA_DIR);
  const { keys, created } = loadOrCreateKeyFile(file);
  logger.info(
    { file, keyIds: keys.map((key) => key.id), created },
    'payload keys from the key file (CUTOVER_PAYLOAD_KEYS is unset); processes on other machines must get the same keys through CUTOVER_PAYLOAD_KEYS',
  );
  return keys;
}

/** Reads the key file (refusing one that others may read), or creates it, mode 0600, without racing another process. */
export function loadOrCreateKeyFile(file: string): { keys: PayloadKey[]; created: boolean } {
  let created = false;
  if (!exists(file)) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const body = `# Cutover payload encryption keys, oldest first; the last one encrypts. Keep this file secret.\n${formatPayloadKeys([newPayloadKey()])}\n`;
    writeFileSync(draft, body, { mode: 0o600, flag: 'wx' });
    try {
      // A hard link appears whole or not at all, and fails when another process made the file first.
      linkSync(draft, file);
      created = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(draft);
    }
  }
  const mode = statSync(file).mode & 0o777;
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new Error(`the payload key file ${file} may be read by other users (mode ${mode.toString(8)}); run: chmod 600 ${file}`);
  }
  try {
    return { keys: parsePayloadKeys(readFileSync(file, 'utf8')), created };
  } catch (error) {
    throw new Error(`the payload key file ${file} is not valid: ${(error as Error).message}`, { cause: error });
  }
}

function exists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
