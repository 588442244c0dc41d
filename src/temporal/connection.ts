import { readFile } from 'node:fs/promises';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import type { Config } from '../config.ts';
import { cutoverDataConverter, type PayloadKey } from './codec.ts';

type TemporalConfig = Pick<
  Config,
  'temporalAddress' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_TLS' | 'TEMPORAL_TLS_CERT_PATH' | 'TEMPORAL_TLS_KEY_PATH' | 'TEMPORAL_API_KEY'
>;

/** TLS and API key settings shared by the client and the worker connection. */
async function securityOptions(config: TemporalConfig) {
  const clientCert =
    config.TEMPORAL_TLS_CERT_PATH && config.TEMPORAL_TLS_KEY_PATH
      ? { crt: await readFile(config.TEMPORAL_TLS_CERT_PATH), key: await readFile(config.TEMPORAL_TLS_KEY_PATH) }
      : undefined;
  const tlsOn = config.TEMPORAL_TLS || clientCert !== undefined || config.TEMPORAL_API_KEY !== undefined;
  return {
    tls: tlsOn ? (clientCert ? { clientCertPair: clientCert } : true) : undefined,
    apiKey: config.TEMPORAL_API_KEY,
  };
}

/** A client whose payloads and failures are encrypted with `payloadKeys` (the newest writes; all read). */
export async function connectTemporalClient(config: TemporalConfig, payloadKeys: readonly PayloadKey[]): Promise<Client> {
  const options: ConnectionOptions = { address: config.temporalAddress, ...(await securityOptions(config)) };
  const connection = await Connection.connect(options);
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: cutoverDataConverter(payloadKeys) });
}

export async function connectTemporalWorker(config: TemporalConfig): Promise<NativeConnection> {
  const options: NativeConnectionOptions = { address: config.temporalAddress, ...(await securityOptions(config)) };
  return NativeConnection.connect(options);
}
