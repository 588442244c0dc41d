import { createHash } from 'node:crypto';
import type { Executor } from '../client.ts';
import type { FlagDefinition, Segment } from '../../flags/evaluate.ts';
import { listFeatures, loadSegments, toFlagDefinition } from './features.ts';

/** Everything an SDK needs to evaluate one environment's flags itself, and a tag that changes when any of it does. */
export interface FlagConfiguration {
  environment: string;
  etag: string;
  flags: FlagDefinition[];
  segments: Segment[];
}

export async function loadFlagConfiguration(db: Executor, workspaceId: string, environment: string): Promise<FlagConfiguration> {
  const [rows, segments] = await Promise.all([listFeatures(db, workspaceId, environment), loadSegments(db, workspaceId, environment)]);
  const flags = rows.map(toFlagDefinition);
  const segmentList = [...segments.values()].sort((a, b) => a.key.localeCompare(b.key));
  const etag = createHash('sha256').update(JSON.stringify([flags, segmentList])).digest('base64url').slice(0, 27);
  return { environment, etag, flags, segments: segmentList };
}
