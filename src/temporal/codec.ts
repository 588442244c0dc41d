import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { METADATA_ENCODING_KEY, type DataConverter, type Payload, type PayloadCodec } from '@temporalio/common';

/** One AES-256 key of the payload codec, named by the id written into every payload it encrypts. */
export interface PayloadKey {
  /** Written in clear into the payload's metadata, so a reader knows which key to use. */
  id: string;
  /** 32 bytes. */
  key: Buffer;
}

export const encryptedEncoding = 'binary/encrypted';
export const keyIdMetadataKey = 'encryption-key-id';
export const cipherMetadataKey = 'encryption-cipher';
const cipher = 'AES-256-GCM';
const nonceBytes = 12;
const tagBytes = 16;
export const payloadKeyIdPattern = /^[A-Za-z0-9._-]{1,64}$/;

/** A payload that cannot be decrypted: unknown key id, tampered or truncated data. Never retried into success. */
export class PayloadDecryptionError extends Error {}

/**
 * Encrypts every Temporal payload with AES-256-GCM under the newest key (a random 96-bit nonce each time) and
 * decrypts with whichever configured key the payload names, so keys rotate without rewriting history.
 * The whole original payload (its metadata too: the encoding says what kind of value it is) is sealed; the
 * key id is the GCM associated data, so a payload cannot be relabelled to another key.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly newest: PayloadKey;
  private readonly byId: ReadonlyMap<string, Buffer>;

  /** `keys` oldest first: the last one encrypts, all of them decrypt. */
  constructor(keys: readonly PayloadKey[]) {
    const newest = keys.at(-1);
    if (!newest) throw new Error('the payload codec needs at least one key');
    const byId = new Map<string, Buffer>();
    for (const { id, key } of keys) {
      if (!payloadKeyIdPattern.test(id)) throw new Error(`payload key id "${id}" must match ${payloadKeyIdPattern.source}`);
      if (key.length !== 32) throw new Error(`payload key ${id} must be 32 bytes, not ${key.length}`);
      if (byId.has(id)) throw new Error(`payload key id ${id} appears twice`);
      byId.set(id, key);
    }
    this.newest = newest;
    this.byId = byId;
  }

  encode(payloads: Payload[]): Promise<Payload[]> {
    return settle(() => payloads.map((payload) => this.encrypt(payload)));
  }

  /** Payloads written before encryption was turned on pass through unchanged; encrypted ones must decrypt. */
  decode(payloads: Payload[]): Promise<Payload[]> {
    return settle(() => payloads.map((payload) => (isEncrypted(payload) ? this.decrypt(payload) : payload)));
  }

  private encrypt(payload: Payload): Payload {
    const nonce = randomBytes(nonceBytes);
    const gcm = createCipheriv('aes-256-gcm', this.newest.key, nonce, { authTagLength: tagBytes });
    gcm.setAAD(associatedData(this.newest.id));
    const sealed = Buffer.concat([gcm.update(serialize(payload)), gcm.final()]);
    return {
      metadata: {
        [METADATA_ENCODING_KEY]: Buffer.from(encryptedEncoding),
        [keyIdMetadataKey]: Buffer.from(this.newest.id),
        [cipherMetadataKey]: Buffer.from(cipher),
      },
      data: Buffer.concat([nonce, sealed, gcm.getAuthTag()]),
    };
  }

  private decrypt(payload: Payload): Payload {
    const keyId = text(payload.metadata?.[keyIdMetadataKey]);
    if (!keyId) throw new PayloadDecryptionError(`an encrypted payload has no ${keyIdMetadataKey}`);
    const key = this.byId.get(keyId);
    if (!key) {
      throw new PayloadDecryptionError(
        `a payload is encrypted with key ${keyId}, which is not configured (configured: ${[...this.byId.keys()].join(', ')})`,
      );
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < nonceBytes + tagBytes) throw new PayloadDecryptionError(`an encrypted payload (key ${keyId}) is truncated`);
    const gcm = createDecipheriv('aes-256-gcm', key, data.subarray(0, nonceBytes), { authTagLength: tagBytes });
    gcm.setAAD(associatedData(keyId));
    gcm.setAuthTag(data.subarray(data.length - tagBytes));
    let plain: Buffer;
    try {
      plain = Buffer.concat([gcm.update(data.subarray(nonceBytes, data.length - tagBytes)), gcm.final()]);
    } catch (error) {
      throw new PayloadDecryptionError(`an encrypted payload (key ${keyId}) failed authentication: tampered or wrong key`, {
        cause: error,
      });
    }
    return deserialize(plain, keyId);
  }
}

export function isEncrypted(payload: Payload): boolean {
  return text(payload.metadata?.[METADATA_ENCODING_KEY]) === encryptedEncoding;
}

/**
 * The data converter of every Temporal client and worker Cutover makes: payloads through the codec, and
 * failures with their message and stack trace moved into an (encrypted) payload, so an error that quotes its
 * input leaks nothing. The failure converter is a module path because the workflow sandbox loads it by path.
 */
export function cutoverDataConverter(keys: readonly PayloadKey[]): DataConverter {
  return { payloadCodecs: [new AesGcmPayloadCodec(keys)], failureConverterPath };
}

/** Hand this to `bundleWorkflowCode` too: a prebuilt bundle carries its own failure converter. */
export const failureConverterPath = fileURLToPath(new URL('./failure-converter.cjs', import.meta.url));

/** Runs synchronous work so that its errors reject the promise instead of throwing at the caller. */
const settle = <T>(work: () => T) => new Promise<T>((resolve) => resolve(work()));
const associatedData = (keyId: string) => Buffer.from(`cutover-payload-v1:${keyId}`);
const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

/** [4-byte length][JSON of the metadata, values base64][data]: the data, the bulk, stays raw bytes. */
function serialize(payload: Payload): Buffer {
  const metadata = Object.fromEntries(
    Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value ?? new Uint8Array()).toString('base64')]),
  );
  const header = Buffer.from(JSON.stringify(metadata));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(header.length);
  return Buffer.concat([length, header, Buffer.from(payload.data ?? new Uint8Array())]);
}

function deserialize(plain: Buffer, keyId: string): Payload {
  try {
    const headerLength = plain.readUInt32BE(0);
    const metadata = JSON.parse(plain.subarray(4, 4 + headerLength).toString('utf8')) as Record<string, string>;
    return {
      metadata: Object.fromEntries(Object.entries(metadata).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
      data: plain.subarray(4 + headerLength),
    };
  } catch (error) {
    throw new PayloadDecryptionError(`an encrypted payload (key ${keyId}) holds no payload`, { cause: error });
  }
}
