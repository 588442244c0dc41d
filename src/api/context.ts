import type { Client } from '@temporalio/client';
import type { Database } from '../db/client.ts';
import type { Role } from '../db/schema/index.ts';
import type { AuthSettings } from '../auth/settings.ts';
import type { FlagChangeFeed } from '../flags/changes.ts';
import type { Logger } from '../logger.ts';
import type { PayloadKey } from '../temporal/codec.ts';
import type { TargetDeps } from '../targets/registry.ts';
import type { WorkspaceAccess } from './workspace-access.ts';

/** What createApp needs; handlers get it from the closure, never from module state. */
export interface ApiDeps {
  db: Database;
  temporal: Client;
  logger: Logger;
  /** Task queue the workflows run on. */
  taskQueue: string;
  /** Base URL of the Temporal Web UI, for links to runs. */
  temporalUiUrl: string;
  /**
   * Where services run, for the instant switches and rollbacks that the API makes itself (an operator's
   * emergency action must not wait for a worker). Made on first use.
   */
  targets: TargetDeps;
  /** The platform's own ports (API, Temporal, Postgres, supervisor): no definition may send the worker there. */
  platformPorts?: number[];
  /** Session lifetimes, step-up window, cookie security; defaultAuthSettings otherwise. */
  auth?: AuthSettings;
  /** How long a deleted workspace stays restorable before its purge; 30 days otherwise (tests pass seconds). */
  workspaceRetentionMs?: number;
  /** Quota enforcement (API-call windows, counts on create); on unless false (bench:api measures without it). */
  quotas?: boolean;
  /**
   * Row-level security as a backstop: authenticated reads of a workspace run as cutover_app in a transaction
   * scoped to it (src/api/middleware/db-scope.ts); on unless false (bench:api measures without it).
   */
  rowLevelSecurity?: boolean;
  /** The built dashboard served at /admin; web/dist of this package otherwise. */
  dashboardDir?: string;
  /** The platform's payload keys, oldest first: they seal TOTP secrets at rest. Without them TOTP answers 503. */
  payloadKeys?: readonly PayloadKey[];
  /** Wakes flag streams when a flag changes (LISTEN/NOTIFY); without it they read the configuration every second. */
  flagChanges?: FlagChangeFeed;
}

/** How the caller authenticated: a workspace's service token (CI), a user's personal token, or a browser session. */
export type CallerKind = 'service-token' | 'personal-token' | 'session';

/** The authenticated caller. */
export interface Caller {
  kind: CallerKind;
  /** Who the audit log names: the token's name, or the user's email. */
  actor: string;
  /** Set for both kinds of token. */
  tokenId?: string;
  /** Set for a browser session. */
  sessionId?: string;
  /** Set for a session and a personal token. */
  userId?: string;
  /** The role in the workspace (a personal token's is capped by its user's). */
  role: Role;
  /** Narrower roles in named environments (see roleInEnvironment). */
  environmentRoles: Record<string, Role>;
  /** When the session last re-authenticated; null for tokens, which cannot step up. */
  stepUpAt: Date | null;
  /** Above every workspace role: registers targets and binds them to workspace environments. */
  platformAdmin: boolean;
  workspaceId: string;
  workspaceName: string;
}

/** Set by a handler to name what a mutating request did, for the audit log. */
export interface AuditNote {
  action: string;
  target?: string;
  details?: Record<string, unknown>;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    logger: Logger;
    caller?: Caller;
    audit?: AuditNote;
    /** Set by requireWorkspaceRole on `/workspaces/{id}/...` routes: the caller's role in that workspace. */
    workspaceAccess?: WorkspaceAccess;
  };
}
