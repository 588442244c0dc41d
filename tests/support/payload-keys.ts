import type { PayloadKey } from '../../src/temporal/codec.ts';

/**
 * The fixed payload key of every test client and worker (the harness, worker processes): a worker started in
 * another process must read what the test's client wrote. Not a secret: test data only.
 */
export const testPayloadKeys: readonly PayloadKey[] = [
  { id: 'test-1', key: Buffer.from('Y3V0b3Zlci10ZXN0LXBheWxvYWQta2V5LTMyLWJ5dGU=', 'base64') },
];
