import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Cutover's search attributes: the Temporal Web UI filters runs by them. All keyword. */
export const workspaceSearchAttribute = defineSearchAttributeKey('CutoverWorkspace', SearchAttributeType.KEYWORD);
export const serviceSearchAttribute = defineSearchAttributeKey('CutoverService', SearchAttributeType.KEYWORD);
export const environmentSearchAttribute = defineSearchAttributeKey('CutoverEnvironment', SearchAttributeType.KEYWORD);
export const statusSearchAttribute = defineSearchAttributeKey('CutoverStatus', SearchAttributeType.KEYWORD);

export const cutoverSearchAttributes = [
  workspaceSearchAttribute,
  serviceSearchAttribute,
  environmentSearchAttribute,
  statusSearchAttribute,
] as const;
