import type { Color } from '../workflows/lib/colors.ts';

/** Where a colour's rollout stands. */
export type RolloutStatus =
  | { state: 'done' }
  | { state: 'progressing'; message: string }
  | { state: 'failed'; message: string };

/** Instances of a colour: how many exist, how many are ready, how often they restarted. */
export interface ColorHealth {
  pods: number;
  ready: number;
  restarts: number;
}

/** What a claim leaves out. */
export interface ClaimOptions {
  /** false: the stable route is a traffic router's object (a Gateway API HTTPRoute), not the target's. */
  stable?: boolean;
}

/**
 * Where a blue-green service runs: Kubernetes (Deployments and Services) or this machine (supervised
 * processes behind Cutover's proxy). The workflows see only this; every method is idempotent.
 */
export interface ReleaseTarget {
  /**
   * Checks, before a release changes anything, that every object of the service that exists already is this
   * workspace environment's (or an older Cutover's, adopted on its next change); throws OwnedElsewhereError.
   */
  claim(options?: ClaimOptions): Promise<void>;
  /** The colour that serves stable traffic now; undefined before the first release. */
  activeColor(): Promise<Color | undefined>;
  /** Runs `image` as `version` on a colour at full size, creating whatever is missing. */
  deploy(color: Color, image: string, version: string): Promise<void>;
  /** Whether the colour's latest deploy is up and ready, still coming up, or has failed for good. */
  rollout(color: Color): Promise<RolloutStatus>;
  /** The version a colour runs and its size; undefined when the colour does not exist. */
  versionOf(color: Color): Promise<{ version?: string; replicas: number } | undefined>;
  /** Sends stable (all traffic) or preview requests to a colour; false when that already held. */
  select(role: 'stable' | 'preview', color: Color): Promise<boolean>;
  /** Scales a colour; 0 stops it (a local colour finishes its in-flight requests first). */
  scale(color: Color, replicas: number): Promise<void>;
  /** Instances of a colour and their readiness. */
  podHealth(color: Color): Promise<ColorHealth>;
}
