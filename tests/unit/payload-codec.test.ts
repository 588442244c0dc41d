// needs: nothing (key files in a temporary folder)
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { afterEach, describe, expect, it } from 'vitest';
import { AesGcmPayloadCodec, encryptedEncoding, keyIdMetadataKey, PayloadDecryptionError } from '../../src/temporal/codec.ts';
import { formatPayloadKeys, loadOrCreateKeyFile, newPayloadKey, parsePayloadKeys } from '../../src/temporal/payload-keys.ts';

const marker = 'marker-4f1c9e2a-secret-value';
const payloadOf = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const valueOf = (payload: Payload): unknown => defaultPayloadConverter.fromPayload(payload);
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');
const oldKey = newPayloadKey('k-old');
const newKey = newPayloadKey('k-new');

describe('AesGcmPayloadCodec', () => {
  it('round-trips values of every kind, metadata included', async () => {
    const codec = new AesGcmPayloadCodec([newKey]);
    const values = [{ env: { TOKEN: marker } }, 'plain text', 42, null, [1, 2, 3], new Uint8Array([0, 255, 7])];
    const decoded = await codec.decode(await codec.encode(values.map(payloadOf)));
    expect(decoded.map(valueOf)).toEqual(values);
    expect(text(decoded[5]?.metadata?.encoding)).toBe('binary/plain');
  });

  it('writes only ciphertext, the encoding and the key id', async () => {
    const codec = new AesGcmPayloadCodec([newKey]);
    const [encoded] = await codec.encode([payloadOf({ secret: marker })]);
    expect(text(encoded?.metadata?.encoding)).toBe(encryptedEncoding);
    expect(text(encoded?.metadata?.[keyIdMetadataKey])).toBe('k-new');
    expect(Object.keys(encoded?.metadata ?? {}).sort()).toEqual(['encoding', 'encryption-cipher', 'encryption-key-id']);
    const everything = Buffer.concat([encoded!.data!, ...Object.values(encoded!.metadata!).map((value) => Buffer.from(value))]);
    expect(everything.toString('latin1')).not.toContain(marker);
    expect(everything.toString('latin1')).not.toContain('json/plain');
  });

  it('uses a fresh nonce every time: the same value encrypts differently', async () => {
    const codec = new AesGcmPayloadCodec([newKey]);
    const [first, second] = await codec.encode([payloadOf(marker), payloadOf(marker)]);
    expect(Buffer.from(first!.data!).equals(Buffer.from(second!.data!))).toBe(false);
    expect(Buffer.from(first!.data!).subarray(0, 12).equals(Buffer.from(second!.data!).subarray(0, 12))).toBe(false);
  });

  it('rotates: new writes use the newest key, payloads of the old key stay readable', async () => {
    const before = new AesGcmPayloadCodec([oldKey]);
    const [old] = await before.encode([payloadOf('written before the rotation')]);
    const after = new AesGcmPayloadCodec([oldKey, newKey]);
    const [fresh] = await after.encode([payloadOf('written after')]);
    expect(text(old?.metadata?.[keyIdMetadataKey])).toBe('k-old');
    expect(text(fresh?.metadata?.[keyIdMetadataKey])).toBe('k-new');
    expect((await after.decode([old!, fresh!])).map(valueOf)).toEqual(['written before the rotation', 'written after']);
  });

  it('fails loudly on a key id it does not have', async () => {
    const [encoded] = await new AesGcmPayloadCodec([newKey]).encode([payloadOf(marker)]);
    const other = new AesGcmPayloadCodec([oldKey]);
    await expect(other.decode([encoded!])).rejects.toThrow(PayloadDecryptionError);
    await expect(other.decode([encoded!])).rejects.toThrow(/key k-new, which is not configured/);
  });

  it('fails loudly on tampered data, a relabelled key id, a truncated payload and a wrong key under the same id', async () => {
    const codec = new AesGcmPayloadCodec([oldKey, newKey]);
    const [encoded] = await codec.encode([payloadOf({ secret: marker })]);
    const flipped = Buffer.from(encoded!.data!);
    flipped[20] = flipped[20]! ^ 1;
    await expect(codec.decode([{ ...encoded!, data: flipped }])).rejects.toThrow(/failed authentication/);

    const relabelled = { ...encoded!, metadata: { ...encoded!.metadata, [keyIdMetadataKey]: Buffer.from('k-old') } };
    await expect(codec.decode([relabelled])).rejects.toThrow(/failed authentication/);

    await expect(codec.decode([{ ...encoded!, data: Buffer.from(encoded!.data!).subarray(0, 20) }])).rejects.toThrow(/truncated/);

    const impostor = new AesGcmPayloadCodec([newPayloadKey('k-new')]);
    await expect(impostor.decode([encoded!])).rejects.toThrow(PayloadDecryptionError);
  });

  it('passes payloads written before encryption through unchanged', async () => {
    const codec = new AesGcmPayloadCodec([newKey]);
    const plain = payloadOf({ written: 'before encryption' });
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it('refuses a bad key set', () => {
    expect(() => new AesGcmPayloadCodec([])).toThrow(/at least one key/);
    expect(() => new AesGcmPayloadCodec([{ id: 'short', key: Buffer.alloc(16) }])).toThrow(/32 bytes/);
    expect(() => new AesGcmPayloadCodec([newKey, newKey])).toThrow(/twice/);
    expect(() => new AesGcmPayloadCodec([{ id: 'bad id', key: Buffer.alloc(32) }])).toThrow(/must match/);
  });
});

describe('payload keys', () => {
  it('parses id:base64 entries, oldest first, and prints them back', () => {
    const text = formatPayloadKeys([oldKey, newKey]);
    const keys = parsePayloadKeys(text);
    expect(keys.map((key) => key.id)).toEqual(['k-old', 'k-new']);
    expect(keys[1]?.key.equals(newKey.key)).toBe(true);
    expect(parsePayloadKeys(`# comment\n${text.replace(',', '\n')}\n`).map((key) => key.id)).toEqual(['k-old', 'k-new']);
  });

  it('names the bad entry and never echoes key material', () => {
    const short = Buffer.alloc(16, 7).toString('base64');
    expect(() => parsePayloadKeys(`a:${short}`)).toThrow(/key a is not 32 bytes/);
    expect(() => parsePayloadKeys(`a:${short}`)).not.toThrow(new RegExp(short.slice(0, 8)));
    expect(() => parsePayloadKeys('no-colon-here')).toThrow(/entry 1 is not id:base64/);
    expect(() => parsePayloadKeys(`${formatPayloadKeys([oldKey])},${formatPayloadKeys([oldKey])}`)).toThrow(/k-old appears twice/);
    expect(() => parsePayloadKeys(' , ')).toThrow(/no keys/);
  });

  describe('the key file of a single-machine setup', () => {
    let dir: string | undefined;
    afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

    it('is created once with mode 0600 and read the same way afterwards', () => {
      dir = mkdtempSync(path.join(tmpdir(), 'cutover-keys-'));
      const file = path.join(dir, 'nested', 'payload-keys');
      const first = loadOrCreateKeyFile(file);
      expect(first.created).toBe(true);
      expect(first.keys).toHaveLength(1);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const second = loadOrCreateKeyFile(file);
      expect(second.created).toBe(false);
      expect(second.keys[0]?.key.equals(first.keys[0]!.key)).toBe(true);
      expect(readFileSync(file, 'utf8')).toContain(first.keys[0]!.id);
    });

    it('keeps a rotated file: a key added at the end encrypts', () => {
      dir = mkdtempSync(path.join(tmpdir(), 'cutover-keys-'));
      const file = path.join(dir, 'payload-keys');
      writeFileSync(file, `${formatPayloadKeys([oldKey])}\n${formatPayloadKeys([newKey])}\n`, { mode: 0o600 });
      expect(loadOrCreateKeyFile(file).keys.map((key) => key.id)).toEqual(['k-old', 'k-new']);
    });

    it('refuses a file that other users may read', () => {
      dir = mkdtempSync(path.join(tmpdir(), 'cutover-keys-'));
      const file = path.join(dir, 'payload-keys');
      writeFileSync(file, formatPayloadKeys([newKey]));
      chmodSync(file, 0o644);
      expect(() => loadOrCreateKeyFile(file)).toThrow(/may be read by other users \(mode 644\); run: chmod 600/);
    });
  });
});
